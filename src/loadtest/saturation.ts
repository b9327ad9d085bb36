import type { Histogram } from 'hdr-histogram-js';
import { distribution, newHistogram, type Distribution } from './record.js';

/**
 * Is the load generator itself the bottleneck? Three signals, combined so that no single cliff
 * decides (a lag of 50.015 ms against a 50 ms threshold, or 86 % CPU against 90 %, must not be the
 * difference between a warning and none):
 *
 * - event-loop delay: how late a 20 ms timer fires, as a histogram of the delay alone (Node's
 *   monitorEventLoopDelay records the whole interval between samples, interval included);
 * - schedule lag: how late requests were handed to the HTTP client;
 * - client CPU share: CPU time of the generator over wall time (of one core).
 *
 * A run is saturated when one signal is past its hard limit, or two are past their soft limits.
 */
export const SATURATION_LIMITS = {
  eventLoopP99Ms: { soft: 5, hard: 20 },
  scheduleLagP99Ms: { soft: 5, hard: 20 },
  cpuShare: { soft: 0.6, hard: 0.85 },
} as const;

export interface SaturationSignals {
  eventLoopDelay: Distribution;
  scheduleLag: Distribution;
  /** CPU time over wall time, 1 = one core busy; undefined when not measured. */
  cpuShare?: number | undefined;
}

export interface SaturationVerdict {
  saturated: boolean;
  /** The signals past a limit, each with its value and the limit. */
  reasons: string[];
}

export function assessSaturation(signals: SaturationSignals): SaturationVerdict {
  const hard: string[] = [];
  const soft: string[] = [];
  const check = (value: number | undefined, limits: { soft: number; hard: number }, describe: string) => {
    if (value === undefined) return;
    if (value >= limits.hard) hard.push(`${describe} (limit ${limits.hard})`);
    else if (value >= limits.soft) soft.push(`${describe} (soft limit ${limits.soft})`);
  };
  const eventLoop = signals.eventLoopDelay.p99;
  const lag = signals.scheduleLag.p99;
  check(eventLoop, SATURATION_LIMITS.eventLoopP99Ms, `event-loop delay p99 ${eventLoop.toFixed(1)} ms`);
  check(lag, SATURATION_LIMITS.scheduleLagP99Ms, `schedule lag p99 ${lag.toFixed(1)} ms`);
  const cpu = signals.cpuShare;
  const cpuText = cpu === undefined ? '' : `client CPU ${(cpu * 100).toFixed(0)}% of a core`;
  check(cpu, SATURATION_LIMITS.cpuShare, cpuText);
  const saturated = hard.length > 0 || soft.length >= 2;
  return { saturated, reasons: saturated ? [...hard, ...soft] : [] };
}

/**
 * Samples event-loop delay every `intervalMs`: each tick records how much later than asked it
 * ran, in microseconds (timer granularity adds up to about a millisecond).
 */
export function monitorEventLoop(now: () => number, intervalMs = 20): { stop(): Distribution } {
  const histogram: Histogram = newHistogram();
  let expected = now() + intervalMs;
  let timer: NodeJS.Timeout;
  const tick = () => {
    const t = now();
    histogram.recordValue(Math.max(1, Math.round((t - expected) * 1000)));
    expected = t + intervalMs;
    timer = setTimeout(tick, intervalMs);
    timer.unref();
  };
  timer = setTimeout(tick, intervalMs);
  timer.unref();
  return {
    stop() {
      clearTimeout(timer);
      return distribution(histogram);
    },
  };
}
