/**
 * Messages of the public reservoir page, kept apart from the dashboard's catalogues so this page's
 * bundle stays small. Same rule: every key in both languages with the same placeholders.
 */
export const publicJa = {
  title: 'ため池の状況',
  listTitle: 'ため池の状況（一覧）',
  intro: 'ため池の水位の状況をお知らせします。このページは1分ごとに自動で更新されます。',
  level: '水位',
  noLevel: '水位のデータがありません',
  band: '状況',
  updated: '最終更新 {time}',
  neverUpdated: 'まだデータを受信していません',
  checked: '{time} に確認',
  stale: '最新の情報を取得できませんでした（{time} 時点の情報を表示しています）',
  notFound: 'このため池は見つかりません。',
  busy: 'アクセスが集中しています。しばらくしてから再度お試しください。',
  error: '情報を取得できませんでした。',
  none: '公開中のため池はありません。',
  all: 'すべてのため池',
  switch: 'English',
  switchHint: '英語表示に切り替える',
  changed: '{name} の状況が「{band}」になりました',
  note: '危険を感じたら、この表示にかかわらず避難してください。',
} as const

export type PublicKey = keyof typeof publicJa

export const publicEn: Record<PublicKey, string> = {
  title: 'Reservoir status',
  listTitle: 'Reservoir status (all)',
  intro: 'The water level status of the reservoir. This page updates itself every minute.',
  level: 'Water level',
  noLevel: 'No water level data',
  band: 'Status',
  updated: 'Last update {time}',
  neverUpdated: 'No data received yet',
  checked: 'Checked at {time}',
  stale: 'Could not get the latest information (showing the status as of {time})',
  notFound: 'This reservoir was not found.',
  busy: 'Too many visitors right now. Please try again in a minute.',
  error: 'Could not get the information.',
  none: 'No reservoirs are published.',
  all: 'All reservoirs',
  switch: '日本語',
  switchHint: 'Switch to Japanese',
  changed: '{name} is now "{band}"',
  note: 'If you feel in danger, evacuate whatever this page shows.',
}
