/**
 * One MQTT subscriber on raw sockets, forked by the benchmarks: subscribes to every device's
 * telemetry at the given QoS, acknowledges QoS 1 deliveries and counts them. Parsing by hand keeps
 * the subscriber far cheaper than the broker it measures (a client library would be the limit).
 * argv: port qos topicFilter. IPC: sends { ready } after SUBACK; 'count' → { count, at }, 'stop' → exits.
 */
import { connect } from 'node:net'
import { encodeConnect, PACKET, remainingLength } from '../../simulators/load/packets.js'

const [portArg, qosArg, filter = 'v1/devices/+/telemetry'] = process.argv.slice(2)
const qos = Number(qosArg) === 1 ? 1 : 0
let count = 0
let carry: Buffer | undefined

function subscribePacket(topic: string): Buffer {
  const topicBytes = Buffer.from(topic, 'utf8')
  const body = Buffer.alloc(2 + 2 + topicBytes.length + 1)
  body.writeUInt16BE(1, 0) // packet id
  body.writeUInt16BE(topicBytes.length, 2)
  topicBytes.copy(body, 4)
  body[body.length - 1] = qos
  // SUBSCRIBE has fixed-header flags 0b0010 (MQTT-3.8.1-1)
  return Buffer.concat([Buffer.from([0x82, ...remainingLength(body.length)]), body])
}

const socket = connect({ port: Number(portArg), host: '127.0.0.1', noDelay: true })
socket.on('connect', () => {
  socket.write(encodeConnect({ clientId: `bench-sub-${process.pid}`, keepaliveS: 600, clean: true }))
  socket.write(subscribePacket(filter))
})
socket.on('data', (chunk: Buffer) => {
  const data = carry ? Buffer.concat([carry, chunk]) : chunk
  carry = undefined
  let pos = 0
  const acks: number[] = []
  while (pos < data.length) {
    const first = data[pos] as number
    let length = 0
    let multiplier = 1
    let i = pos + 1
    let complete = false
    for (; i < data.length && i < pos + 5; i++) {
      const byte = data[i] as number
      length += (byte & 0x7f) * multiplier
      multiplier *= 128
      if ((byte & 0x80) === 0) {
        complete = true
        i++
        break
      }
    }
    if (!complete || i + length > data.length) break
    if (first >> 4 === 9)
      process.send?.({ ready: true }) // SUBACK
    else if (first >> 4 === PACKET.publish) {
      count++
      if ((first & 0x06) === 0x02) {
        const topicLength = ((data[i] as number) << 8) | (data[i + 1] as number)
        acks.push(((data[i + 2 + topicLength] as number) << 8) | (data[i + 3 + topicLength] as number))
      }
    }
    pos = i + length
  }
  if (pos < data.length) carry = Buffer.from(data.subarray(pos))
  if (acks.length > 0) {
    const out = Buffer.allocUnsafe(acks.length * 4)
    acks.forEach((id, k) => {
      out[k * 4] = PACKET.puback << 4
      out[k * 4 + 1] = 2
      out.writeUInt16BE(id, k * 4 + 2)
    })
    socket.write(out)
  }
})
socket.on('error', (err) => {
  process.stderr.write(`raw subscriber: ${err.message}\n`)
  process.exit(1)
})
process.on('message', (msg: string) => {
  if (msg === 'count') process.send?.({ count, at: performance.now() + performance.timeOrigin })
  if (msg === 'stop') {
    socket.destroy()
    process.exit(0)
  }
})
process.on('disconnect', () => process.exit(0))
