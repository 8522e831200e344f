import { describe, expect, it } from 'vitest'
import type { AlertEvidence } from './evidence.js'
import { notificationSubject, notificationText, shortMessage } from './message.js'
import type { AlertEvent } from './notifier.js'

const T = Date.parse('2026-09-16T06:20:00+09:00')
const evidence: AlertEvidence = {
  metric: 'water_level_m',
  unit: 'm',
  value: 9.2,
  threshold: 9.5,
  trend: [
    { ts: T - 3_600_000, value: 8.95 },
    { ts: T, value: 9.2 },
  ],
  forecast: { target: 9.5, etaMs: 97 * 60_000, reachesAt: T + 97 * 60_000, ratePerHour: 0.25 },
  image: {
    deviceId: 'r-01',
    captureTs: T - 5 * 60_000,
    url: '/api/v1/devices/r-01/images/1',
    offsetMs: -300_000,
  },
}

describe('messages', () => {
  it('writes the one-line message of each rule type in Japanese and English', () => {
    const base = {
      label: 'Spillway crest expected within 2 hours',
      labelJa: '2時間以内に洪水吐天端に達する見込みです',
      metric: 'water_level_m',
    }
    expect(shortMessage({ ...base, type: 'forecast', evidence })).toBe(
      '2時間以内に洪水吐天端に達する見込みです / Spillway crest expected within 2 hours: water_level_m 9.2 m, 9.5 m まで約1時間37分 (ETA 1 h 37 min)',
    )
    expect(
      shortMessage({
        ...base,
        type: 'silence',
        evidence: {
          ...evidence,
          silence: {
            lastSeenAt: T,
            expectedIntervalMs: 600_000,
            intervalSource: 'learned',
            missed: 4,
            cause: 'battery',
          },
        },
      }),
    ).toContain('4回分の報告なし・電池切れの可能性 (4 reports missed; battery probably empty)')
  })

  it('tells a phone what, where, how high, the trend, the forecast, what to do and where to acknowledge', () => {
    const event = {
      event: 'raised',
      alert: {
        id: 12,
        deviceId: 'r-01',
        site: 'Ikeda',
        severity: 'warning',
        message: '',
        raisedAt: T,
        clearedAt: null,
        type: 'forecast',
        evidence,
      },
      rule: {
        label: 'x',
        labelJa: '2時間以内に洪水吐天端に達する見込みです',
        actionJa: '越流に備えてください。',
      },
    } as unknown as AlertEvent
    expect(notificationText(event, { ackUrl: 'https://m.example.jp/#/alerts/12' }).split('\n')).toEqual([
      '【警戒】2時間以内に洪水吐天端に達する見込みです',
      '場所: Ikeda r-01',
      '現在値: 9.2 m(基準 9.5 m)',
      '傾向: 直近1時間で +0.25 m(8.95 → 9.2 m)',
      '予測: 約1時間37分後(9/16 07:57頃)に 9.5 m に達する見込み',
      'カメラ画像: 9/16 06:15 撮影',
      '発生: 9/16 06:20',
      '対応: 越流に備えてください。',
      '確認する: https://m.example.jp/#/alerts/12',
    ])
    expect(notificationSubject({ ...event, event: 'cleared' })).toBe(
      '【解除】【警戒】2時間以内に洪水吐天端に達する見込みです — Ikeda',
    )
  })
})
