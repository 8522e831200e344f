import type { AlertEvidence } from './evidence.js'
import type { AlertEvent } from './notifier.js'
import { SEVERITY_LABELS, severityTag } from './severity.js'

/** Sensors report noise digits; a message shows what a person reads off the gauge. */
export const shown = (value: number) => Number(value.toFixed(2))

const JST = 'Asia/Tokyo'

/** `9/16 06:20` in Japan time. */
export function formatTime(ms: number, timeZone = JST): string {
  return new Intl.DateTimeFormat('ja-JP', {
    timeZone,
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(ms)
}

/** `1時間40分` / `1 h 40 min`. */
export function formatSpan(ms: number, lang: 'ja' | 'en' = 'ja'): string {
  const minutes = Math.max(0, Math.round(ms / 60_000))
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  if (lang === 'en') return h > 0 ? `${h} h ${m} min` : `${m} min`
  return h > 0 ? `${h}時間${m > 0 ? `${m}分` : ''}` : `${m}分`
}

const CAUSE_JA = { device: '機器(センサー)停止の可能性', battery: '電池切れの可能性', link: '通信回線の途絶' }
const CAUSE_EN = { device: 'device or sensor stopped', battery: 'battery probably empty', link: 'link down' }
const FAULT_JA = { stuck: '値が変化しない(固着)', jump: 'ありえない急変', out_of_range: '測定範囲外の値' }
const FAULT_EN = {
  stuck: 'value stuck',
  jump: 'impossible jump',
  out_of_range: 'value out of the sensor range',
}

export interface MessageInput {
  type: string
  label: string
  labelJa: string
  metric: string
  evidence: AlertEvidence
}

/** The one-line bilingual `message` stored with the alert (the first cut's format for thresholds). */
export function shortMessage(input: MessageInput): string {
  const { evidence: e, metric } = input
  const head = `${input.labelJa} / ${input.label}`
  switch (input.type) {
    case 'rate': {
      const rate = e.rate
      if (!rate) break
      return `${head}: ${metric} ${signed(rate.value)} ${rate.unit} (${e.op === 'below' ? '<' : '>'} ${signed(rate.threshold)} ${rate.unit})`
    }
    case 'forecast':
      if (!e.forecast) break
      return `${head}: ${metric} ${shown(e.value)} ${e.unit}, ${shown(e.forecast.target)} ${e.unit} まで約${formatSpan(e.forecast.etaMs)} (ETA ${formatSpan(e.forecast.etaMs, 'en')})`
    case 'silence':
      if (!e.silence) break
      return `${head}: ${e.silence.missed}回分の報告なし・${CAUSE_JA[e.silence.cause]} (${e.silence.missed} reports missed; ${CAUSE_EN[e.silence.cause]})`
    case 'gateway':
      if (!e.gateway) break
      return `ゲートウェイ ${e.gateway.gatewayId} 通信途絶、${e.gateway.total}台が無応答 / gateway ${e.gateway.gatewayId} offline, ${e.gateway.total} devices silent`
    case 'fault':
      if (!e.fault) break
      return `${head}: ${metric} ${FAULT_JA[e.fault]} (${FAULT_EN[e.fault]}; ${shown(e.value)} ${e.unit})`
  }
  return `${head}: ${metric} ${shown(e.value)} ${e.unit} (${e.op === 'below' ? '<' : '>'} ${shown(e.threshold)} ${e.unit})`
}

const signed = (n: number) => `${n > 0 ? '+' : ''}${shown(n)}`

/** `直近1時間で +0.25 m(8.78 → 9.03 m)` from the evidence's trend points. */
export function trendText(e: AlertEvidence): string | undefined {
  const first = e.trend[0]
  const last = e.trend.at(-1)
  if (!first || !last || first === last) return undefined
  return `直近${formatSpan(last.ts - first.ts)}で ${signed(last.value - first.value)} ${e.unit}(${shown(first.value)} → ${shown(last.value)} ${e.unit})`
}

const EVENT_HEAD_JA = {
  raised: '',
  escalated: '【未確認のため再通知】',
  acknowledged: '【確認済】',
  cleared: '【解除】',
}

/**
 * Plain Japanese text for a phone (LINE, SMS-like email): what, where, value against the line, the
 * trend, the forecast, what to do, and the link to acknowledge. No markup: it must read the same
 * in any client and by a screen reader.
 */
export function notificationText(
  event: AlertEvent,
  opts: { ackUrl?: string; timeZone?: string } = {},
): string {
  const a = event.alert
  const e = (a.evidence ?? undefined) as AlertEvidence | undefined
  const label = event.rule?.labelJa ?? a.message.split(' / ')[0] ?? a.message
  const where = [a.site, a.deviceId].filter(Boolean).join(' ')
  const lines = [`${EVENT_HEAD_JA[event.event]}${severityTag(a.severity)}${label}`, `場所: ${where}`]
  if (e && a.type !== 'silence' && a.type !== 'gateway') {
    if (e.rate)
      lines.push(
        `変化: ${signed(e.rate.value)} ${e.rate.unit}(基準 ${signed(e.rate.threshold)} ${e.rate.unit})`,
      )
    lines.push(
      `現在値: ${shown(e.value)} ${e.unit}${e.rate || e.fault ? '' : `(基準 ${shown(e.threshold)} ${e.unit})`}`,
    )
    const trend = trendText(e)
    if (trend) lines.push(`傾向: ${trend}`)
    if (e.forecast)
      lines.push(
        `予測: 約${formatSpan(e.forecast.etaMs)}後(${formatTime(e.forecast.reachesAt, opts.timeZone)}頃)に ${shown(e.forecast.target)} ${e.unit} に達する見込み`,
      )
    if (e.fault) lines.push(`異常: ${FAULT_JA[e.fault]}`)
  } else if (e?.silence) {
    lines.push(`状況: ${e.silence.missed}回分の報告がありません(${CAUSE_JA[e.silence.cause]})`)
    if (e.silence.lastSeenAt) lines.push(`最終受信: ${formatTime(e.silence.lastSeenAt, opts.timeZone)}`)
  } else if (e?.gateway) {
    lines.push(
      `状況: ゲートウェイ ${e.gateway.gatewayId} が通信途絶、配下の${e.gateway.total}台から受信できません`,
    )
  }
  if (e?.image) lines.push(`カメラ画像: ${formatTime(e.image.captureTs, opts.timeZone)} 撮影`)
  lines.push(
    `${event.event === 'cleared' ? '解除' : '発生'}: ${formatTime(event.event === 'cleared' ? (a.clearedAt ?? a.raisedAt) : a.raisedAt, opts.timeZone)}`,
  )
  if (event.event === 'acknowledged')
    lines.push(`確認: ${event.actor ?? a.acknowledgedBy ?? ''}${event.note ? `「${event.note}」` : ''}`)
  if (event.rule?.actionJa && (event.event === 'raised' || event.event === 'escalated'))
    lines.push(`対応: ${event.rule.actionJa}`)
  if (opts.ackUrl && (event.event === 'raised' || event.event === 'escalated'))
    lines.push(`確認する: ${opts.ackUrl}`)
  return lines.join('\n')
}

/** Subject line for email: `【警戒】貯水位が洪水吐に近づいています — r-01`. */
export function notificationSubject(event: AlertEvent): string {
  const a = event.alert
  const label = event.rule?.labelJa ?? a.message.split(' / ')[0] ?? a.message
  return `${EVENT_HEAD_JA[event.event]}${severityTag(a.severity)}${label} — ${a.site ?? a.deviceId}`
}

/** English lines for the second half of an email. */
export function notificationTextEn(event: AlertEvent): string {
  const a = event.alert
  const label = event.rule?.label ?? a.message
  const sev = SEVERITY_LABELS[a.severity].en
  return [`[${sev}] ${event.event}: ${label}`, `${a.site ?? ''} ${a.deviceId}`.trim(), a.message].join('\n')
}
