/**
 * Japanese catalogue: the default language and the source of truth for message keys. `{name}`
 * placeholders are filled by `translate`; the English catalogue must have the same keys and
 * placeholders (checked by the type of `en` and by i18n.test.ts).
 */
import { jaAdmin } from './ja-admin.js'
import { jaPages } from './ja-pages.js'

const jaCore = {
  'app.title': 'みまもり',
  'app.subtitle': '水田・ため池・レール 遠隔監視',
  'app.skip': 'メインコンテンツへ移動',
  'app.loading': '読み込み中…',
  'app.error': 'データを取得できませんでした（{detail}）',
  'app.retry': '再試行',

  'lang.label': '表示言語',
  'lang.switch': 'English',
  'lang.switchHint': '英語表示に切り替える',

  'demo.banner': 'デモモード：表示されているのは模擬データです。実際の観測値ではありません。',

  'conn.label': '接続状態',
  'conn.connecting': '接続中',
  'conn.live': 'ライブ',
  'conn.reconnecting': '再接続中',
  'conn.stale': '{time} から更新なし',

  'login.heading': 'ログイン',
  'login.username': 'ユーザー名',
  'login.password': 'パスワード',
  'login.submit': 'ログイン',
  'login.submitting': 'ログインしています…',
  'login.invalid': 'ユーザー名またはパスワードが正しくありません。',
  'login.throttled': 'ログインの試行回数が多すぎます。しばらく待ってから再度お試しください。',
  'login.failed': 'ログインできませんでした（{detail}）。',
  'login.expired': 'セッションの有効期限が切れました。もう一度ログインしてください。',

  'user.signedInAs': '{username}（{role}）',
  'user.logout': 'ログアウト',

  'role.admin': '管理者',
  'role.operator': 'オペレーター',
  'role.viewer': '閲覧者',

  'kind.paddy': '水田',
  'kind.reservoir': 'ため池',
  'kind.rail': 'レール',

  'status.normal': '正常',
  'status.info': '情報',
  'status.watch': '注意',
  'status.warning': '警戒',
  'status.critical': '危険',
  'status.silent': '受信なし',
  'status.unknown': '不明',

  'metric.water_depth_cm': '水深',
  'metric.water_temp_c': '水温',
  'metric.water_level_m': '水位',
  'metric.rain_mm_h': '雨量',
  'metric.rail_temp_c': 'レール温度',
  'metric.ambient_temp_c': '気温',
  'metric.battery_v': '電池電圧',
  'metric.rssi_dbm': '電波強度',

  'summary.heading': '状態の概要',
  'summary.count': '{count}台',
  'summary.total': '全{count}台',

  'summary.openAlerts': '発生中の警報 {count}件',

  'devices.heading': '機器一覧',
  'devices.filterKind': '種類で絞り込み',
  'devices.filterAll': 'すべて',
  'devices.empty': '表示できる機器がありません。',
  'devices.caption': '機器ごとの最新値と状態（{count}台）',
  'devices.col.id': '機器ID',
  'devices.col.kind': '種類',
  'devices.col.site': '設置場所',
  'devices.col.status': '状態',
  'devices.col.latest': '最新値',
  'devices.col.lastSeen': '最終受信',
  'devices.openAlerts': '未解除の警報 {count}件',
  'devices.noSite': '未設定',
  'devices.never': '受信なし',
  'devices.noValues': '値なし',

  'place.kindSite': '{kind}・{site}',

  'detail.heading': '機器の詳細',
  'detail.title': '{id}（{kind}・{site}）',
  'detail.otherMetrics': 'その他の最新値',
  'detail.thresholds': 'しきい値',
  'detail.noThresholds': 'このグラフの指標にしきい値はありません。',
  'detail.rule.above': '{label}：{threshold} を超えると{severity}、{clear} 未満で解除',
  'detail.rule.below': '{label}：{threshold} を下回ると{severity}、{clear} 超で解除',
  'detail.notFound': '機器 {id} は見つかりません。',
  'detail.lastSeen': '最終受信：{time}',

  'alerts.heading': '警報',
  'alerts.open': '発生中の警報',
  'alerts.recent': '最近解除された警報',
  'alerts.noneOpen': '発生中の警報はありません。',
  'alerts.noneRecent': '最近解除された警報はありません。',
  'alerts.value': '{metric} {value}（しきい値 {threshold}）',
  'alerts.showAll': 'すべて表示（ほか{count}件）',
  'alerts.showFewer': '表示を減らす',
  'alerts.raisedAt': '発生 {time}',
  'alerts.clearedAt': '解除 {time}',
  'alerts.announceRaised': '新しい警報：{severity} {device} {detail}',
  'alerts.announceCleared': '警報解除：{device} {detail}',
} as const

export const ja = { ...jaCore, ...jaPages, ...jaAdmin } as const

export type MessageKey = keyof typeof ja
