import { InputError } from '../errors.js';
import type { Share } from './arrivals.js';
import { Recorder, type Distribution, type GoodLimits, type RecorderData } from './record.js';
import type { LoadModel, RunResult } from './run.js';

/**
 * What one worker (`--workers N`, a local process or a pod of the Kubernetes Job) reports: its
 * run, with every histogram encoded exactly, and where its clock stood against wall time so the
 * coordinator can line the workers up.
 */
export interface WorkerResult {
  kind: 'LoadTestWorkerResult';
  formatVersion: 1;
  index: number;
  count: number;
  /** Wall-clock time (Unix ms) when this worker's clock read 0 (performance.timeOrigin). */
  timeOrigin: number;
  startedAt: number;
  measuredMs: number;
  warmupMs: number;
  mode: LoadModel['mode'];
  sent: number;
  cancelled: number;
  interrupted: boolean;
  stoppedEarly: boolean;
  eventLoopDelay: Distribution;
  cpuShare?: number | undefined;
  peakInFlight: number;
  peakConnections?: number | undefined;
  recorder: RecorderData;
}

export function toWorkerResult(
  result: RunResult,
  meta: { share: Share; timeOrigin: number; warmupMs: number; cpuShare?: number | undefined },
): WorkerResult {
  return {
    kind: 'LoadTestWorkerResult',
    formatVersion: 1,
    index: meta.share.index,
    count: meta.share.count,
    timeOrigin: meta.timeOrigin,
    startedAt: result.startedAt,
    measuredMs: result.measuredMs,
    warmupMs: meta.warmupMs,
    mode: result.mode,
    sent: result.sent,
    cancelled: result.cancelled,
    interrupted: result.interrupted,
    stoppedEarly: result.stoppedEarly,
    eventLoopDelay: result.eventLoopDelay,
    cpuShare: meta.cpuShare,
    peakInFlight: result.peakInFlight,
    peakConnections: result.peakConnections,
    recorder: result.recorder.toData(),
  };
}

/** Reads a worker's result from its output (the last line that is one); throws InputError otherwise. */
export function parseWorkerOutput(text: string, where: string): WorkerResult {
  const lines = text.split('\n').filter((l) => l.startsWith('{"kind":"LoadTestWorkerResult"'));
  const line = lines[lines.length - 1];
  if (!line) throw new InputError(`${where} printed no load-test worker result`);
  try {
    return JSON.parse(line) as WorkerResult;
  } catch (error) {
    throw new InputError(
      `${where} printed a broken worker result: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** This worker's part of a closed loop: C connections and M requests split as evenly as they go. */
export function shareOfLoad(load: LoadModel, share: Share): LoadModel {
  if (load.mode !== 'concurrency') return load;
  const base = Math.floor(load.concurrency / share.count);
  const extra = share.index < load.concurrency % share.count ? 1 : 0;
  return { mode: 'concurrency', concurrency: Math.max(1, base + extra) };
}

export interface MergedRun extends RunResult {
  /** The busiest worker's CPU share of one core. */
  cpuShare?: number | undefined;
  /** How far apart the workers started (ms). */
  startSpreadMs: number;
  workers: number;
}

/**
 * Merges worker results into one run: histograms add exactly, counters sum, times are moved onto
 * one clock (wall time, from the earliest worker's start of measurement). Saturation is the worst
 * worker's: one saturated worker skews the whole run.
 */
export function mergeWorkerResults(results: readonly WorkerResult[], goodLimits?: GoodLimits): MergedRun {
  if (results.length === 0) throw new InputError('no worker returned a result');
  const warmEnds = results.map((w) => w.timeOrigin + w.startedAt + w.warmupMs);
  const base = Math.min(...warmEnds);
  const recorder = new Recorder(0, goodLimits);
  results.forEach((w, i) => {
    const shiftMs = w.timeOrigin - base;
    recorder.merge(w.recorder, shiftMs, Math.round((warmEnds[i]! - base) / 1000));
  });
  const worstLoop = results.reduce((a, b) => (b.eventLoopDelay.p99 > a.eventLoopDelay.p99 ? b : a));
  const cpu = results.flatMap((w) => (w.cpuShare === undefined ? [] : [w.cpuShare]));
  const sum = (f: (w: WorkerResult) => number) => results.reduce((n, w) => n + f(w), 0);
  const starts = results.map((w) => w.timeOrigin + w.startedAt);
  return {
    recorder,
    measuredMs: Math.max(...results.map((w) => w.measuredMs)),
    mode: results[0]!.mode,
    sent: sum((w) => w.sent),
    cancelled: sum((w) => w.cancelled),
    interrupted: results.some((w) => w.interrupted),
    stoppedEarly: results.some((w) => w.stoppedEarly),
    eventLoopDelay: worstLoop.eventLoopDelay,
    peakInFlight: sum((w) => w.peakInFlight),
    peakConnections: results.every((w) => w.peakConnections === undefined)
      ? undefined
      : sum((w) => w.peakConnections ?? 0),
    startedAt: 0,
    cpuShare: cpu.length > 0 ? Math.max(...cpu) : undefined,
    startSpreadMs: Math.max(...starts) - Math.min(...starts),
    workers: results.length,
  };
}
