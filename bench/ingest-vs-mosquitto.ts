/**
 * mimamori's end-to-end ingest against peer (a), mosquitto passthrough, A/B alternated: in each
 * round both run the same load back to back (the order flips every round), and the figures are
 * the medians over the rounds, so slow drift on a shared machine hits both sides alike.
 */

import { median } from './common.js'
import { benchIngestMqtt, type IngestFleet, type MqttIngestResult } from './ingest-mqtt.js'
import { benchMosquittoPassthrough, type PassthroughResult } from './mosquitto-passthrough.js'
import { mosquittoMissing } from './peers/mosquitto.js'

export interface IngestComparison {
  qos: 0 | 1
  rounds: number
  seconds: number
  mimamori: MqttIngestResult[]
  mosquitto: PassthroughResult[]
  /** Medians over the rounds. */
  median: {
    /** QoS 1: acked/s (stored before PUBACK); QoS 0: readings stored/s while the generator sent. */
    mimamori: number
    /** QoS 1: acked/s; QoS 0: delivered to the subscriber/s while the generator sent. */
    mosquitto: number
    mimamoriStoredWhileSending: number
    mosquittoDeliveredWhileSending: number
    mimamoriP99Ms: number
    mosquittoP99Ms: number
    mimamoriRssMb: number
  }
  /** Per round: stored == acked (QoS 1), i.e. nothing acknowledged was lost. */
  lossless: boolean
}

/**
 * The rate each side is judged by: what the devices got acknowledged (QoS 1), or what got through
 * while the generator sent flat out (QoS 0: readings stored, messages delivered to the subscriber,
 * counted by the server from 2 s into the round to its end). A flat-out QoS 0 generator fills the
 * kernel's socket buffers with more than either side takes in a minute, so a rate that waits for
 * the backlog measured the wait's end, e.g. mimamori's clean stop writing DuckDB's checkpoint.
 */
const mimamoriRate = (r: MqttIngestResult) => (r.qos === 1 ? r.load.msgPerS : r.storedPerS)
const mosquittoRate = (r: PassthroughResult) => (r.qos === 1 ? r.load.msgPerS : r.deliveredPerS)
/** QoS 0: how long each side may keep taking in its backlog after the generator stopped. */
const QOS0_MAX_DRAIN_MS = 10_000

export async function compareIngestWithMosquitto(
  log: (line: string) => void,
  options: { fleet: IngestFleet; rounds: number; seconds: number; qos: ReadonlyArray<0 | 1> },
): Promise<IngestComparison[]> {
  const out: IngestComparison[] = []
  const skipMosquitto = mosquittoMissing()
  if (skipMosquitto) log('  mosquitto not installed (apt-get install -y mosquitto): peer (a) skipped')
  for (const qos of options.qos) {
    const mimamori: MqttIngestResult[] = []
    const mosquitto: PassthroughResult[] = []
    const drain = qos === 0 ? { maxDrainMs: QOS0_MAX_DRAIN_MS } : {}
    for (let round = 0; round < options.rounds; round++) {
      log(`  QoS ${qos}, round ${round + 1} of ${options.rounds}`)
      const runMimamori = async () => {
        mimamori.push(
          await benchIngestMqtt(log, {
            fleet: options.fleet,
            seconds: options.seconds,
            qos,
            ...drain,
          }),
        )
      }
      const runMosquitto = async () => {
        if (skipMosquitto) return
        mosquitto.push(
          await benchMosquittoPassthrough(log, {
            devices: options.fleet.devices,
            seconds: options.seconds,
            qos,
            ...drain,
          }),
        )
      }
      if (round % 2 === 0) {
        await runMimamori()
        await runMosquitto()
      } else {
        await runMosquitto()
        await runMimamori()
      }
    }
    out.push({
      qos,
      rounds: options.rounds,
      seconds: options.seconds,
      mimamori,
      mosquitto,
      median: {
        mimamori: median(mimamori.map(mimamoriRate)),
        mosquitto: median(mosquitto.map(mosquittoRate)),
        mimamoriStoredWhileSending: median(mimamori.map((r) => r.storedPerS)),
        mosquittoDeliveredWhileSending: median(mosquitto.map((r) => r.deliveredPerS)),
        mimamoriP99Ms: median(mimamori.map((r) => r.load.latencyMs.p99 ?? Number.NaN)),
        mosquittoP99Ms: median(mosquitto.map((r) => r.load.latencyMs.p99 ?? Number.NaN)),
        mimamoriRssMb: median(mimamori.map((r) => r.serverRssMb)),
      },
      lossless: mimamori.every((r) => r.qos === 0 || r.stored >= r.load.acked),
    })
  }
  return out
}
