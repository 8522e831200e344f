import type { DeviceKind } from '../../firmware-contracts/index.js'
import type { DeviceModel, ModelOptions } from './model.js'
import { createPaddyModel } from './paddy.js'
import { createRailModel } from './rail.js'
import { createReservoirModel } from './reservoir.js'

export { DEMO_ASSUMED_THRESHOLDS, DEMO_PROFILES } from './demo-profiles.js'
export type { DeviceModel, ModelOptions } from './model.js'
export { createPaddyModel, type PaddyModelOptions, paddyStage } from './paddy.js'
export { createRailModel, type RailModelOptions } from './rail.js'
export { createReservoirModel, DEFAULT_RESERVOIR_SHAPE, type ReservoirModelOptions } from './reservoir.js'

/** The default model for a device kind. @example createModel('rail', { seed: 1, demo: true }) */
export function createModel(kind: DeviceKind, opts: ModelOptions): DeviceModel {
  switch (kind) {
    case 'paddy':
      return createPaddyModel(opts)
    case 'reservoir':
      return createReservoirModel(opts)
    case 'rail':
      return createRailModel(opts)
  }
}
