/**
 * Every constant of the demo fleet (`npm start`, `--demo`) lives here. The demo is scripted, not
 * physical: each kind follows a repeating keyframe curve chosen so a newcomer watching the
 * dashboard sees an alert raised and cleared within the first minutes. The curves target the
 * default alert thresholds below; if the alert defaults change, change these with them.
 */

/** [seconds into the cycle, value]; the first and last values match so the cycle loops smoothly. */
export type Keyframes = ReadonlyArray<readonly [number, number]>

/** The default thresholds (ingest/alerts) the demo curves are drawn against. */
export const DEMO_ASSUMED_THRESHOLDS = {
  paddy: { tooShallowBelowCm: 3, tooDeepAboveCm: 15 },
  reservoir: { warningAboveM: 9.0 },
  rail: { watchAboveC: 50, clearBelowC: 48 },
} as const

export const DEMO_PROFILES = {
  rail: {
    /**
     * 4-minute cycle: ~44 °C, past 52 °C about 22 s in (watch line 50 °C), hold ~54 °C for a
     * minute, cool below 47 °C by ~130 s (clear 48 °C), rest, repeat. No phase jitter: the first
     * crossing must come within 40 s of start.
     */
    cycleS: 240,
    railTempC: [
      [0, 44],
      [30, 53.8],
      [80, 54.5],
      [100, 53.5],
      [140, 45.5],
      [200, 44.2],
      [240, 44],
    ] as Keyframes,
    railNoiseSdC: 0.1,
    /** A hot afternoon: rails in the sun run 11–21 °C above this. */
    ambientC: [
      [0, 33],
      [80, 34],
      [160, 32.6],
      [240, 33],
    ] as Keyframes,
    ambientNoiseSdC: 0.1,
    phaseJitterS: 0,
  },
  paddy: {
    /** 3-minute cycle: hovers 6.5–9 cm, dips to ~1.8 cm (under 3 cm) from ~60 s to ~120 s. */
    cycleS: 180,
    waterDepthCm: [
      [0, 7.5],
      [30, 8.6],
      [45, 7.2],
      [65, 1.8],
      [115, 1.8],
      [135, 7.0],
      [158, 8.8],
      [180, 7.5],
    ] as Keyframes,
    depthNoiseSdCm: 0.1,
    waterTempC: [
      [0, 24],
      [60, 25.5],
      [120, 23.2],
      [180, 24],
    ] as Keyframes,
    tempNoiseSdC: 0.1,
    /** Each paddy starts up to this far into its cycle (from its seed) so a fleet does not move in lockstep. */
    phaseJitterS: 15,
  },
  reservoir: {
    /**
     * 6-minute cycle: rain builds to ~40 mm/h; the level rises from 8.55 m past the 9.0 m warning
     * at ~95 s, peaks ~9.3 m, recedes below 9.0 m at ~270 s after the rain stops.
     */
    cycleS: 360,
    waterLevelM: [
      [0, 8.55],
      [150, 9.2],
      [200, 9.28],
      [240, 9.1],
      [330, 8.6],
      [360, 8.55],
    ] as Keyframes,
    levelNoiseSdM: 0.004,
    rainMmH: [
      [0, 2],
      [30, 22],
      [120, 40],
      [170, 28],
      [200, 4],
      [215, 0],
      [345, 0],
      [360, 2],
    ] as Keyframes,
    /** Multiplicative spread of the rain, so the gauge does not draw a perfect curve. */
    rainNoiseSd: 0.15,
    phaseJitterS: 15,
  },
} as const

/** The keyframe curve at `tS` seconds, looping every `cycleS`, eased with a half cosine between frames. */
export function sampleCycle(frames: Keyframes, cycleS: number, tS: number): number {
  const t = ((tS % cycleS) + cycleS) % cycleS
  for (let i = 1; i < frames.length; i++) {
    const [t1, v1] = frames[i] as readonly [number, number]
    const [t0, v0] = frames[i - 1] as readonly [number, number]
    if (t <= t1) {
      const x = t1 === t0 ? 1 : (t - t0) / (t1 - t0)
      return v0 + (v1 - v0) * ((1 - Math.cos(Math.PI * x)) / 2)
    }
  }
  return (frames[frames.length - 1] as readonly [number, number])[1]
}
