import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AckSet } from './ack-set.js'
import { OutboxFullError, type OutboxOptions, openOutbox } from './outbox.js'
import { openCursor } from './outbox-files.js'
import type { OutboxRecord, ReadingRecord } from './record.js'

const log = pino({ level: 'silent' })
const T0 = 1_782_864_000_000
const reading = (seq: number, deviceId = 'paddy-1'): ReadingRecord => ({
  type: 'reading',
  deviceId,
  ts: T0 + seq * 1000,
  seq,
  m: { water_depth_cm: 5 + (seq % 10) },
})

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gw-outbox-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const open = (over: Partial<OutboxOptions> = {}) =>
  openOutbox({ dir, budgetBytes: 1024 * 1024, segmentBytes: 4096, log, cursorDelayMs: 0, ...over })

const settle = () => new Promise((resolve) => setTimeout(resolve, 30))

async function readAll(outbox: Awaited<ReturnType<typeof open>>, from = outbox.head) {
  const reader = outbox.reader(from)
  const entries = await reader.read(1_000_000, outbox.durableTail, outbox.isAcked)
  await reader.close()
  return entries
}

describe('outbox', () => {
  it('reads back what was appended, in order, once append resolved', async () => {
    const outbox = await open()
    const raw: OutboxRecord = { type: 'raw', deviceId: 'paddy-1', payload: Buffer.from('{not json') }
    await Promise.all([outbox.append([reading(0), reading(1)]), outbox.append([raw])])
    expect(outbox.stats()).toMatchObject({ backlog: 3, head: 0, tail: 3 })
    const entries = await readAll(outbox)
    expect(entries.map((e) => e.index)).toEqual([0, 1, 2])
    expect(entries[0]?.record).toEqual(reading(0))
    expect(entries[2]?.record).toEqual(raw)
    await outbox.close()
  })

  it('shares one fsync among appends that arrive while another is being written', async () => {
    const commits: number[] = []
    const outbox = await open({ onCommit: (_s, entries) => commits.push(entries) })
    await Promise.all(Array.from({ length: 200 }, (_, i) => outbox.append([reading(i)])))
    expect(commits.reduce((a, b) => a + b, 0)).toBe(200)
    expect(commits.length).toBeLessThan(200)
    await outbox.close()
  })

  it('survives a restart: entries and the acknowledged cursor come back', async () => {
    let outbox = await open()
    for (let i = 0; i < 100; i++) await outbox.append([reading(i)])
    for (let i = 0; i < 40; i++) outbox.ack(i)
    outbox.ack(60) // acknowledged out of order: not part of the cursor, resent after a restart
    await outbox.close()

    outbox = await open()
    expect(outbox.stats()).toMatchObject({ head: 40, tail: 100, backlog: 60 })
    const entries = await readAll(outbox)
    expect(entries.map((e) => e.index)).toEqual(Array.from({ length: 60 }, (_, i) => 40 + i))
    expect(entries[0]?.record).toEqual(reading(40))
    expect(await outbox.oldestUnsentTs()).toBe(T0 + 40_000)
    await outbox.close()
  })

  it('drops a torn tail left by a crash and keeps appending after it', async () => {
    let outbox = await open()
    for (let i = 0; i < 10; i++) await outbox.append([reading(i)])
    await outbox.close()
    const seg = join(
      dir,
      readdirSync(dir)
        .filter((n) => n.endsWith('.seg'))
        .sort()
        .at(-1) as string,
    )
    appendFileSync(seg, Buffer.from([40, 0, 0, 0, 1, 2, 3, 4, 5])) // a frame header without its body

    outbox = await open()
    expect(outbox.stats().tail).toBe(10)
    await outbox.append([reading(10)])
    expect((await readAll(outbox)).map((e) => e.record)).toEqual(
      Array.from({ length: 11 }, (_, i) => reading(i)),
    )
    await outbox.close()
  })

  it('rolls segments and deletes a segment only once all of it was acknowledged', async () => {
    const outbox = await open({ segmentBytes: 4096 })
    for (let i = 0; i < 300; i++) await outbox.append([reading(i)])
    const before = outbox.stats()
    expect(before.segments).toBeGreaterThan(3)
    const entries = await readAll(outbox)
    expect(entries).toHaveLength(300)
    for (const { index } of entries.slice(0, 150)) outbox.ack(index)
    await settle()
    const after = outbox.stats()
    expect(after.segments).toBeLessThan(before.segments)
    expect(after.bytes).toBeLessThan(before.bytes)
    expect(after).toMatchObject({ head: 150, backlog: 150 })
    const rest = await readAll(outbox)
    expect(rest[0]?.index).toBe(150)
    expect(rest).toHaveLength(150)
    await outbox.close()
  })

  it('refuses appends past the disk budget, keeps what it holds, and accepts again once drained', async () => {
    const outbox = await open({ budgetBytes: 8192, segmentBytes: 4096 })
    let accepted = 0
    let refusal: unknown
    for (let i = 0; i < 1000 && !refusal; i++) {
      await outbox.append([reading(i)]).then(
        () => accepted++,
        (err: unknown) => {
          refusal = err
        },
      )
    }
    expect(refusal).toBeInstanceOf(OutboxFullError)
    expect(outbox.accepting).toBe(false)
    expect(outbox.stats().bytes).toBeLessThanOrEqual(8192)
    const files = readdirSync(dir).filter((n) => n.endsWith('.seg'))
    expect(files.reduce((sum, n) => sum + statSync(join(dir, n)).size, 0)).toBeLessThanOrEqual(8192)
    // still refused after one small ack: no flapping at the edge
    await expect(outbox.append([reading(5000)])).rejects.toBeInstanceOf(OutboxFullError)

    const entries = await readAll(outbox)
    expect(entries).toHaveLength(accepted)
    for (const { index } of entries) outbox.ack(index)
    await settle()
    expect(outbox.accepting).toBe(true)
    await outbox.append([reading(accepted)])
    expect(outbox.stats().backlog).toBe(1)
    await outbox.close()
  })

  it('reads only up to `until` and skips entries already acknowledged', async () => {
    const outbox = await open()
    for (let i = 0; i < 20; i++) await outbox.append([reading(i)])
    outbox.ack(3)
    outbox.ack(4)
    const reader = outbox.reader(0)
    const first = await reader.read(5, 10, outbox.isAcked)
    expect(first.map((e) => e.index)).toEqual([0, 1, 2, 5, 6])
    const second = await reader.read(100, 10, outbox.isAcked)
    expect(second.map((e) => e.index)).toEqual([7, 8, 9])
    reader.seek(2)
    expect((await reader.read(2)).map((e) => e.index)).toEqual([2, 3])
    await reader.close()
    await outbox.close()
  })
})

describe('outbox cursor file', () => {
  it('keeps the previous cursor when the slot being written is torn', async () => {
    let cursor = await openCursor(dir, log)
    expect(cursor.head).toBe(0)
    await cursor.write(40)
    await cursor.write(75)
    await cursor.close()
    expect((await openCursor(dir, log)).head).toBe(75)

    const file = join(dir, 'cursor.bin')
    const bytes = readFileSync(file)
    bytes[0] = (bytes[0] as number) ^ 0xff // generation 2 lives in slot 0
    writeFileSync(file, bytes)
    cursor = await openCursor(dir, log)
    expect(cursor.head).toBe(40)
    await cursor.close()
  })
})

describe('AckSet', () => {
  it('moves head over contiguous acks and keeps gaps above it', () => {
    const acks = new AckSet(10)
    for (const i of [12, 14, 13, 20]) acks.add(i)
    expect(acks.head).toBe(10)
    expect(acks.acknowledgedAboveHead).toBe(4)
    expect(acks.gaps).toBe(2)
    expect(acks.nextUnacked(12)).toBe(15)
    acks.add(11)
    acks.add(10)
    expect(acks.head).toBe(15)
    expect(acks.acknowledgedAboveHead).toBe(1)
    expect(acks.has(20)).toBe(true)
    expect(acks.has(19)).toBe(false)
    acks.add(20)
    expect(acks.acknowledgedAboveHead).toBe(1)
  })
})
