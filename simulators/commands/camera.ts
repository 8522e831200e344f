import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { reservoirJpeg } from '../camera/reservoir-scene.js'
import { type SimulateIo, str, UsageError } from './common.js'

export const CAMERA_HELP = `Usage: npm run simulate -- camera --device ID [options]
       npm run simulate -- camera --snapshot FILE [--level M] [--rain MM_H]

A reservoir station with its surveillance camera: it publishes readings (water level,
rain) like \`simulate --kind reservoir\`, and every --camera-interval a JPEG picture of
the pond (320×240, 10–30 KB) on v1/devices/ID/image/<capture time in ms>. The picture
shows the water line at the reported level, the spillway crest in red on the gauge
staff, rain, daylight, and the capture time in JST.

Options (besides every option of \`simulate device\`, e.g. --url, --password, --demo):
  --camera-interval TIME   time between pictures (default 1m)
  --snapshot FILE          write one picture to FILE and exit; no broker needed
  --level M                water level to draw with --snapshot (default 8.5)
  --rain MM_H              rain to draw with --snapshot (default 0)

Examples:
  # a station reporting every 5 s with a picture every minute
  npm run cli -- device add r-01 --kind reservoir
  MIMAMORI_DEVICE_PASSWORD='<password>' npm run simulate -- camera --device r-01

  # a storm in fast motion: rising water, a picture every 10 s
  npm run simulate -- camera --device r-01 --password '<pw>' --demo --camera-interval 10s

  # just look at a picture
  npm run simulate -- camera --snapshot /tmp/pond.jpg --level 9.4 --rain 30
`

/**
 * \`simulate camera\`: a reservoir station with a camera (delegates to the device command with
 * \`--kind reservoir --camera-interval\`), or \`--snapshot FILE\` to write one picture.
 */
export async function runCameraCommand(
  argv: string[],
  io: SimulateIo,
  runDevice: (argv: string[], io: SimulateIo) => Promise<number>,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(CAMERA_HELP)
    return 0
  }
  if (argv.some((a) => a === '--snapshot' || a.startsWith('--snapshot='))) {
    try {
      return snapshot(argv, io)
    } catch (err) {
      io.stderr(`simulate camera: ${(err as Error).message}\nRun with --help for usage and examples.\n`)
      return 2
    }
  }
  if (argv.some((a) => a === '--kind' || a.startsWith('--kind='))) {
    io.stderr('simulate camera: cameras sit at reservoir stations; leave out --kind\n')
    return 2
  }
  const withDefault = argv.some((a) => a.startsWith('--camera-interval')) ? [] : ['--camera-interval', '1m']
  return runDevice(['--kind', 'reservoir', ...withDefault, ...argv], io)
}

function snapshot(argv: string[], io: SimulateIo): number {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      snapshot: { type: 'string' },
      level: { type: 'string' },
      rain: { type: 'string' },
      device: { type: 'string' },
    },
  })
  const file = str(values.snapshot)
  if (!file) throw new UsageError('--snapshot needs a file name, e.g. --snapshot /tmp/pond.jpg')
  const number = (option: string, text: string | undefined, fallback: number, min: number, max: number) => {
    const value = text === undefined ? fallback : Number(text)
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new UsageError(`${option} "${text}" must be a number from ${min} to ${max}`)
    }
    return value
  }
  const levelM = number('--level', str(values.level), 8.5, 0, 20)
  const rainMmH = number('--rain', str(values.rain), 0, 0, 250)
  const jpeg = reservoirJpeg({
    deviceId: str(values.device) ?? 'r-snapshot',
    captureTs: Date.now(),
    levelM,
    rainMmH,
  })
  writeFileSync(file, jpeg)
  io.stdout(`Wrote ${file}: ${jpeg.length} bytes, 320×240 JPEG, level ${levelM} m, rain ${rainMmH} mm/h.\n`)
  return 0
}
