/**
 * Peer (b): the Node-RED stack (mosquitto with Debian's defaults → Node-RED 4 flow → VictoriaMetrics)
 * under the same pre-encoded generator: offered QoS 1 rates in steps, then flat out (overload).
 * What counts is what VictoriaMetrics holds afterwards, against what mosquitto acknowledged.
 */
import type { LoadDevice } from '../simulators/load/load.js'
import { runLoad } from '../simulators/load/load.js'
import { GENERATOR_CPU, pin, rssMb, untilStable } from './common.js'
import { mosquittoMissing, startMosquitto } from './peers/mosquitto.js'
import { NODE_RED_MEASUREMENT, startNodeRed, startPlainVictoriaMetrics } from './peers/node-red.js'

export interface NodeRedStep {
  /** Offered msg/s; undefined = flat out (overload). */
  offered?: number
  ackedPerS: number
  acked: number
  stored: number
  /** Stored per second from the first publish to the last sample stored. */
  storedPerS: number
  drainS: number
  /** Whether the count settled within the wait (else Node-RED was still writing). */
  settled: boolean
  nodeRedRssMb: number
}

export interface NodeRedResult {
  steps: NodeRedStep[]
  /** The highest step stored completely (≥ 99 %) without falling behind (drain ≤ 5 s). */
  sustainedPerS: number
  overload: NodeRedStep | undefined
  skipped?: string
}

const seqMetric = `${NODE_RED_MEASUREMENT}_seq`

export async function benchNodeRedStack(
  log: (line: string) => void,
  options: { devices: readonly LoadDevice[]; rates: number[]; seconds: number; overloadSeconds: number },
): Promise<NodeRedResult> {
  if (mosquittoMissing())
    return { steps: [], sustainedPerS: Number.NaN, overload: undefined, skipped: 'mosquitto missing' }
  const broker = await startMosquitto({ defaultQueues: true })
  const vm = await startPlainVictoriaMetrics()
  let nodeRed: Awaited<ReturnType<typeof startNodeRed>> | undefined
  try {
    nodeRed = await startNodeRed(broker.port, vm.url)
    pin(process.pid, GENERATOR_CPU)
    const steps: NodeRedStep[] = []
    const step = async (offered: number | undefined, seconds: number, maxDrainMs: number) => {
      const before = await vm.count(seqMetric)
      const load = await runLoad({
        url: broker.url,
        devices: options.devices,
        qos: 1,
        ...(offered ? { rate: offered } : {}),
        durationMs: seconds * 1000,
        preEncoded: true,
      })
      const nodeRedRssMb = rssMb(nodeRed?.pid)
      const settled = await untilStable(() => vm.count(seqMetric), {
        quietMs: 2500,
        maxMs: maxDrainMs,
        everyMs: 500,
      })
      const stored = settled.value - before
      const result: NodeRedStep = {
        ...(offered ? { offered } : {}),
        ackedPerS: load.msgPerS,
        acked: load.acked,
        stored,
        storedPerS: stored / (load.elapsedS + load.closeS + settled.drainS),
        drainS: settled.drainS,
        settled: settled.settled,
        nodeRedRssMb,
      }
      log(
        `  Node-RED ${offered ? `offered ${offered.toLocaleString()}/s` : 'flat out'}: mosquitto acked ${Math.round(load.msgPerS).toLocaleString()}/s (${load.acked.toLocaleString()}), ` +
          `VictoriaMetrics holds ${stored.toLocaleString()} (${((100 * stored) / Math.max(1, load.acked)).toFixed(1)} %), ` +
          `${Math.round(result.storedPerS).toLocaleString()} stored/s, drain ${settled.drainS.toFixed(1)} s${settled.settled ? '' : ' (still writing)'}, Node-RED RSS ${nodeRedRssMb.toFixed(0)} MB`,
      )
      return result
    }
    for (const rate of options.rates) {
      const s = await step(rate, options.seconds, 20_000)
      steps.push(s)
      if (s.stored < 0.9 * s.acked) break // far past its limit: the next step only adds loss
    }
    const ok = steps.filter((s) => s.stored >= 0.99 * s.acked && s.drainS <= 5)
    const sustainedPerS = ok.length > 0 ? Math.max(...ok.map((s) => s.storedPerS)) : Number.NaN
    const overload = await step(undefined, options.overloadSeconds, 30_000)
    return { steps, sustainedPerS, overload }
  } finally {
    await nodeRed?.stop()
    await vm.stop()
    await broker.stop()
  }
}
