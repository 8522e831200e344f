import type { DeviceModel } from '../models/index.js'
import { createPaddyModel, createRailModel, createReservoirModel } from '../models/index.js'
import { seedFromString } from '../random.js'
import type { Forcing, KeyframeList, Scenario, ScenarioDeviceSpec } from './schema.js'

/**
 * A keyframe series as a function of simulated time: linear between frames, the first value
 * before the first frame and the last after the last.
 * @example keyframeFn([[0, 0], [3_600_000, 10]], t0)(t0 + 1_800_000) // 5
 */
export function keyframeFn(frames: KeyframeList, startMs: number): (simTimeMs: number) => number {
  return (t) => {
    const offset = t - startMs
    const first = frames[0] as [number, number]
    if (offset <= first[0]) return first[1]
    for (let i = 1; i < frames.length; i++) {
      const [o1, v1] = frames[i] as [number, number]
      if (offset <= o1) {
        const [o0, v0] = frames[i - 1] as [number, number]
        return v0 + ((v1 - v0) * (offset - o0)) / (o1 - o0)
      }
    }
    return (frames.at(-1) as [number, number])[1]
  }
}

/** The device's forcing: the scenario's series, each replaced by the device's own if it has one. */
export function deviceForcing(scenario: Scenario, device: ScenarioDeviceSpec): Forcing {
  return { ...scenario.forcing, ...device.forcing }
}

/** The seed of a device's model: its own, or mixed from the scenario seed and its id (not the prefix). */
export function deviceSeed(scenario: Scenario, device: ScenarioDeviceSpec): number {
  return device.model.seed ?? seedFromString(device.id, scenario.seed)
}

/** The physical model of one scenario device, started at the scenario start, driven by its forcing. */
export function createScenarioModel(scenario: Scenario, device: ScenarioDeviceSpec): DeviceModel {
  const forcing = deviceForcing(scenario, device)
  const series = (frames: KeyframeList | undefined) =>
    frames ? keyframeFn(frames, scenario.start) : undefined
  const base = { seed: deviceSeed(scenario, device), start: scenario.start }
  switch (device.kind) {
    case 'paddy':
      return createPaddyModel({
        ...base,
        initialDepthCm: device.model.initialDepthCm,
        rain: series(forcing.rainMmH),
      })
    case 'reservoir':
      return createReservoirModel({
        ...base,
        initialLevelM: device.model.initialLevelM,
        shape: device.model.shape,
        rain: series(forcing.rainMmH),
      })
    case 'rail':
      return createRailModel({
        ...base,
        sunExposure: device.model.sunExposure,
        summerGainC: device.model.summerGainC,
        airOffsetC: series(forcing.airTempOffsetC),
        cloudCover: series(forcing.cloudCover),
      })
  }
}
