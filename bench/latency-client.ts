/**
 * A dashboard client in its own process, forked by bench/latency.ts: socket.io logged in as admin,
 * timing every live frame (of the `readings` arrays) against the reading's own ts (set by the generator when it
 * wrote the packet), and rail crossings: publish a reading over the action line with mqtt.js and
 * time the socket.io `alert` event. IPC: start | stop → samples (ms) | cross → ms.
 */
import mqtt from 'mqtt'
import { io } from 'socket.io-client'

const [httpUrl = '', token = ''] = process.argv.slice(2)
let recording = false
let samples: number[] = []
const alertWaiters = new Map<string, (at: number) => void>()

const socket = io(httpUrl, { auth: { token }, transports: ['websocket'], reconnection: false })
socket.on('connect', () => process.send?.({ ready: true }))
socket.on('connect_error', (err) => {
  process.stderr.write(`latency client: ${err.message}\n`)
  process.exit(1)
})
socket.on('readings', (frames: Array<{ ts: number }>) => {
  if (!recording) return
  const at = Date.now()
  for (const frame of frames) samples.push(at - frame.ts)
})
socket.on('alert', (event: { event: string; alert: { deviceId: string; ruleId: string } }) => {
  const at = Date.now()
  if (event.event !== 'raised' || event.alert.ruleId !== 'rail-action') return
  alertWaiters.get(event.alert.deviceId)?.(at)
})

async function cross(mqttUrl: string, deviceId: string, password: string): Promise<number> {
  const client = await mqtt.connectAsync(mqttUrl, {
    clientId: deviceId,
    username: deviceId,
    password,
    reconnectPeriod: 0,
  })
  try {
    const raised = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no alert for ${deviceId} within 10 s`)), 10_000)
      alertWaiters.set(deviceId, (at) => {
        clearTimeout(timer)
        resolve(at)
      })
    })
    const t0 = Date.now()
    const payload = JSON.stringify({ ts: t0, seq: 1, m: { rail_temp_c: 65, ambient_temp_c: 35 } })
    await client.publishAsync(`v1/devices/${deviceId}/telemetry`, payload, { qos: 1 })
    return (await raised) - t0
  } finally {
    alertWaiters.delete(deviceId)
    await client.endAsync()
  }
}

process.on('message', (msg: { cmd: string; mqttUrl?: string; deviceId?: string; password?: string }) => {
  if (msg.cmd === 'start') {
    samples = []
    recording = true
  } else if (msg.cmd === 'stop') {
    recording = false
    process.send?.({ samples })
  } else if (msg.cmd === 'cross') {
    cross(msg.mqttUrl as string, msg.deviceId as string, msg.password as string).then(
      (ms) => process.send?.({ crossed: ms }),
      (err: Error) => process.send?.({ crossed: Number.NaN, error: err.message }),
    )
  } else if (msg.cmd === 'exit') {
    socket.close()
    process.exit(0)
  }
})
process.on('disconnect', () => process.exit(0))
