/** Resource figures of a process from /proc (Linux), for leak and boundedness checks. */
import { readdirSync, readFileSync } from 'node:fs'

export interface ProcFigures {
  rssMb: number
  fds: number
}

/** Resident set size (VmRSS) and open file descriptors of `pid`. */
export function procFigures(pid: number): ProcFigures {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN)
  return { rssMb: rssKb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length }
}

/** Samples `procFigures(pid)` every `everyMs` until stopped; keeps the peak RSS. */
export function sampleProc(pid: number, everyMs = 1000) {
  let peakRssMb = 0
  let peakFds = 0
  const take = () => {
    try {
      const f = procFigures(pid)
      peakRssMb = Math.max(peakRssMb, f.rssMb)
      peakFds = Math.max(peakFds, f.fds)
    } catch {
      // the process is gone (killed on purpose); the next one is sampled by a new sampler
    }
  }
  take()
  const timer = setInterval(take, everyMs)
  return {
    peak: () => ({ rssMb: peakRssMb, fds: peakFds }),
    stop: () => clearInterval(timer),
  }
}
