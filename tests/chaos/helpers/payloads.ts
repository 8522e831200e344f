/**
 * Random and adversarial telemetry payloads (chaos case 5): deep nesting, huge numbers,
 * prototype-pollution keys, NaN/Infinity strings, huge strings, wrong types, near-valid
 * readings with one field broken. Strings, as a device would send them.
 */
import fc from 'fast-check'

const now = 1_782_864_000_000

/** Hand-written cases, each aimed at one parser weakness. */
export function adversarialPayloads(): string[] {
  const ok = { ts: now, seq: 1, m: { water_depth_cm: 5 } }
  const deepArray = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
  const deepObject = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`
  const deepInM = JSON.stringify({
    ...ok,
    m: { water_depth_cm: JSON.parse(`${'['.repeat(500)}1${']'.repeat(500)}`) },
  })
  return [
    deepArray,
    deepObject,
    deepInM,
    `{"ts":${now},"seq":1,"m":${'{"x":'.repeat(5000)}1${'}'.repeat(5000)}}`,
    // huge numbers
    `{"ts":${now},"seq":1,"m":{"water_depth_cm":1e999}}`,
    `{"ts":${now},"seq":1,"m":{"water_depth_cm":-1e999}}`,
    `{"ts":1e999,"seq":1,"m":{"water_depth_cm":5}}`,
    `{"ts":${now},"seq":1e999,"m":{"water_depth_cm":5}}`,
    `{"ts":${now},"seq":4294967296,"m":{"water_depth_cm":5}}`,
    `{"ts":${now},"seq":-1,"m":{"water_depth_cm":5}}`,
    `{"ts":${now},"seq":1.5,"m":{"water_depth_cm":5}}`,
    `{"ts":${now},"seq":1,"m":{"water_depth_cm":${'9'.repeat(400)}}}`,
    `{"ts":${'9'.repeat(30)},"seq":1,"m":{"water_depth_cm":5}}`,
    `{"ts":${now},"seq":1,"m":{"water_depth_cm":5e-324}}`,
    // prototype pollution
    `{"__proto__":{"polluted":"yes"},"ts":${now},"seq":1,"m":{"water_depth_cm":5}}`,
    `{"ts":${now},"seq":1,"m":{"__proto__":{"polluted":"yes"}}}`,
    `{"ts":${now},"seq":1,"m":{"__proto__":5,"water_depth_cm":5}}`,
    `{"ts":${now},"seq":1,"m":{"constructor":{"prototype":{"polluted":"yes"}}}}`,
    `{"ts":${now},"seq":1,"m":{"constructor":5}}`,
    `{"ts":${now},"seq":1,"m":{"prototype":5,"hasOwnProperty":1,"toString":2,"valueOf":3}}`,
    `{"constructor":{"prototype":{"polluted":"yes"}},"ts":${now},"seq":1,"m":{"water_depth_cm":5}}`,
    `{"batch":[{"__proto__":{"polluted":"yes"},"ts":${now},"seq":1,"m":{"water_depth_cm":5}}]}`,
    `{"batch":{"__proto__":[]}}`,
    `{"batch":[{"ts":${now},"seq":2,"m":{"constructor":{"prototype":{"polluted":"yes"}}}}]}`,
    // NaN / Infinity as strings and as bare words
    `{"ts":${now},"seq":1,"m":{"water_depth_cm":"NaN"}}`,
    `{"ts":${now},"seq":1,"m":{"water_depth_cm":"Infinity"}}`,
    `{"ts":${now},"seq":1,"m":{"water_depth_cm":"-Infinity"}}`,
    `{"ts":${now},"seq":1,"m":{"water_depth_cm":NaN}}`,
    `{"ts":${now},"seq":1,"m":{"water_depth_cm":Infinity}}`,
    `{"ts":"NaN","seq":1,"m":{"water_depth_cm":5}}`,
    `{"ts":"Infinity","seq":"NaN","m":{"water_depth_cm":5}}`,
    // huge strings (under the 16 KB telemetry cap, so they reach the parser over MQTT too)
    JSON.stringify({ ...ok, m: { water_depth_cm: 'x'.repeat(15_000) } }),
    JSON.stringify({ ...ok, m: { [`a${'b'.repeat(15_000)}`]: 5 } }),
    JSON.stringify({ ...ok, ts: '2'.repeat(15_000) }),
    // wrong types
    `{"ts":"${new Date(now).toISOString()}","seq":"1","m":{"water_depth_cm":5}}`,
    `{"ts":${now},"seq":1,"m":[5]}`,
    `{"ts":${now},"seq":1,"m":null}`,
    `{"ts":${now},"seq":1,"m":{}}`,
    `{"ts":${now},"seq":1,"m":{"water_depth_cm":true}}`,
    `{"ts":${now},"seq":1,"m":{"water_depth_cm":null}}`,
    `{"ts":${now},"seq":1,"m":{"water_depth_cm":[5]}}`,
    `{"ts":${now},"seq":1,"m":{"water_depth_cm":{"v":5}}}`,
    `{"ts":true,"seq":1,"m":{"water_depth_cm":5}}`,
    `{"ts":"2026-07-01","seq":1,"m":{"water_depth_cm":5}}`,
    `{"ts":"2026-07-01T09:00:00","seq":1,"m":{"water_depth_cm":5}}`,
    `{"ts":"9999-12-31T23:59:59Z","seq":1,"m":{"water_depth_cm":5}}`,
    `{"ts":0,"seq":1,"m":{"water_depth_cm":5}}`,
    `{"batch":[]}`,
    `{"batch":null}`,
    `{"batch":"x"}`,
    JSON.stringify({ batch: Array.from({ length: 1001 }, (_, i) => ({ ts: now + i, seq: i, m: { w: 1 } })) }),
    JSON.stringify({ ...ok, m: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`m${i}`, i])) }),
    JSON.stringify({ ...ok, extra: 1 }),
    JSON.stringify({ ...ok, m: { water_depth_cm: 101 } }),
    JSON.stringify({ ...ok, m: { water_depth_cm: 101, water_temp_c: 20 } }),
    JSON.stringify({ ...ok, m: { WATER: 5 } }),
    // not JSON / not an object
    '',
    'null',
    '[]',
    '"a string"',
    '12345',
    'true',
    '{',
    '{"ts":',
    '\u0000',
    '\ufeff{}',
    Buffer.from([0xff, 0xfe, 0xfd]).toString('latin1'),
    `{"ts":${now},"seq":1,"m":{"water_depth_cm":5}}garbage`,
    `{"ts":${now},"seq":1,"m":{"water_depth_cm":5},"ts":"dup"}`,
  ]
}

/** A valid reading with one field replaced by a random JSON value, or random JSON altogether. */
export function randomPayloads(count: number, seed: number): string[] {
  const anyJson = fc.jsonValue({ maxDepth: 4 })
  const reading = fc.record({
    ts: fc.oneof(fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }), anyJson),
    seq: fc.oneof(fc.nat({ max: 4_294_967_295 }), anyJson),
    m: fc.oneof(
      fc.dictionary(
        fc.oneof(
          fc.constantFrom(
            'water_depth_cm',
            'water_temp_c',
            'battery_v',
            'rssi_dbm',
            '__proto__',
            'constructor',
          ),
          fc.string({ maxLength: 12 }),
        ),
        fc.oneof(fc.double(), fc.integer(), anyJson),
        { maxKeys: 5 },
      ),
      anyJson,
    ),
  })
  // well-formed readings with edge values: exercises the accept path (ranges, -0, tiny, big, unknown metrics)
  const value = fc.oneof(
    fc.double({ min: -200, max: 200, noNaN: true }),
    fc.constantFrom(0, -0, 5e-324, -10, 100, 100.0000001, -10.0000001, 1e308, -1e308),
  )
  const nearValid = fc.record({
    ts: fc.oneof(
      fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }),
      fc
        .date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2099-12-31T00:00:00Z'),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString()),
    ),
    seq: fc.oneof(fc.nat({ max: 4_294_967_295 }), fc.constantFrom(0, 4_294_967_295)),
    m: fc.dictionary(
      fc.oneof(
        fc.constantFrom('water_depth_cm', 'water_temp_c', 'battery_v', 'rssi_dbm'),
        fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/),
      ),
      value,
      { minKeys: 1, maxKeys: 6 },
    ),
  })
  const arb = fc.oneof(
    { weight: 4, arbitrary: nearValid.map((r) => JSON.stringify(r)) },
    {
      weight: 1,
      arbitrary: fc.array(nearValid, { minLength: 1, maxLength: 5 }).map((b) => JSON.stringify({ batch: b })),
    },
    { weight: 5, arbitrary: reading.map((r) => JSON.stringify(r)) },
    { weight: 2, arbitrary: fc.array(reading, { maxLength: 4 }).map((b) => JSON.stringify({ batch: b })) },
    { weight: 2, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  )
  return fc.sample(arb, { numRuns: count, seed })
}
