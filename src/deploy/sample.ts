import { ClusterError, NetworkError } from '../errors.js';
import type { ModelManifest } from '../manifest/types.js';
import type { ReleaseAnalysis, SideMetrics } from './analysis.js';
import type { PredictionComparison } from './prediction.js';

export interface CanarySample {
  atMs: number;
  weight: number;
  canary: { p95?: number | undefined; errorRate?: number | undefined };
  stable: { p95?: number | undefined; errorRate?: number | undefined };
  verdict: 'good' | 'bad' | 'no-data';
  reasons: string[];
  /** Prediction distributions, new vs stable, over the analysis so far. */
  prediction?: PredictionComparison | undefined;
  /** Blue-green: on mirrored traffic before the switch, or on live traffic in the warm window. */
  phase?: 'before-switch' | 'after-switch' | undefined;
}

export interface Thresholds {
  maxLatencyIncreasePct: number;
  maxErrorRate: number;
  consecutiveFailures: number;
}

/** One comparison of canary and stable against the manifest's thresholds. Pure. */
export function judgeSample(
  canary: CanarySample['canary'],
  stable: CanarySample['stable'],
  t: Thresholds,
): Pick<CanarySample, 'verdict' | 'reasons'> {
  if (canary.p95 === undefined && canary.errorRate === undefined)
    return { verdict: 'no-data', reasons: ['no canary traffic in the window'] };
  const reasons: string[] = [];
  if (
    canary.p95 !== undefined &&
    stable.p95 !== undefined &&
    stable.p95 > 0 &&
    canary.p95 > stable.p95 * (1 + t.maxLatencyIncreasePct / 100)
  ) {
    const increasePct = Math.round((canary.p95 / stable.p95 - 1) * 100);
    const limitPct = t.maxLatencyIncreasePct;
    reasons.push(
      `p95 ${ms(canary.p95)} vs stable ${ms(stable.p95)} (+${increasePct} %, limit +${limitPct} %)`,
    );
  }
  if (canary.errorRate !== undefined && canary.errorRate > t.maxErrorRate) {
    reasons.push(`error rate ${pct(canary.errorRate)} above ${pct(t.maxErrorRate)}`);
  }
  return { verdict: reasons.length > 0 ? 'bad' : 'good', reasons };
}

/** A sample's verdict with the prediction comparison folded in: a critical divergence is bad. Pure. */
export function withPrediction(
  judgement: Pick<CanarySample, 'verdict' | 'reasons'>,
  prediction: PredictionComparison | undefined,
): Pick<CanarySample, 'verdict' | 'reasons'> {
  if (prediction?.verdict !== 'bad') return judgement;
  return { verdict: 'bad', reasons: [...judgement.reasons, ...prediction.reasons] };
}

/**
 * What the prediction comparison at the end of an analysis means for the release: `undefined`
 * when it may go on, else why it must not (too few predictions is never a pass). An `absent`
 * histogram (stable exports none) is a warning, pushed to `warnings`.
 */
export function finalPredictionVerdict(
  last: PredictionComparison | undefined,
  canQuery: boolean,
  warnings: string[],
): string | undefined {
  if (!canQuery) {
    warnings.push(
      'prediction distributions were not compared: the metrics source cannot answer vector queries',
    );
    return undefined;
  }
  if (!last) return 'no prediction comparison was made';
  if (last.verdict === 'absent') {
    warnings.push(`${last.reasons.join('; ')}; judged on latency and errors only`);
    return undefined;
  }
  if (last.verdict === 'inconclusive') return `prediction analysis inconclusive: ${last.reasons.join('; ')}`;
  if (last.verdict === 'bad') return last.reasons.join('; ');
  if (last.verdict === 'warn') warnings.push(last.reasons.join('; '));
  return undefined;
}

/** The analysis thresholds of a manifest, with their defaults. */
export function thresholdsOf(manifest: ModelManifest): Thresholds {
  const analysis = manifest.spec.rollout?.analysis;
  return {
    maxLatencyIncreasePct: analysis?.maxLatencyIncreasePct ?? 20,
    maxErrorRate: analysis?.maxErrorRate ?? manifest.spec.slo?.errorRate ?? 0.01,
    consecutiveFailures: analysis?.consecutiveFailures ?? 2,
  };
}

/** What one sample of a release analysis compares. */
export interface SampleTarget {
  /** Pod name pattern of the new version (canary, shadow, green). */
  candidate: string;
  /** Pod name pattern of the version it is compared with (stable, blue). */
  stable: string;
  /**
   * Stable's latency and error rate measured before (blue after a blue-green switch has no traffic
   * left to measure); without it they are measured in the same sample as the candidate's.
   */
  stableBaseline?: SideMetrics | undefined;
  /** Seconds since the new version got traffic: the prediction comparison's window. */
  sinceSeconds: number;
  /** Milliseconds since the analysis began, and the new version's share of traffic (percent). */
  atMs: number;
  weight: number;
  phase?: CanarySample['phase'];
}

/** What the caller does after a sample: go on, stop the release (`stop`: why), or fail safe. */
export type SampleStep =
  { next: 'continue' } | { next: 'stop'; why: string } | { next: 'fail-safe'; why: string };

/**
 * The samples of one release analysis (canary, shadow, blue-green before and after the switch):
 * each sample asks Prometheus for both sides' latency, error rate and prediction distributions,
 * judges them with the same thresholds, and counts bad samples in a row. The strategies differ
 * only in what they do with the answer (abort, tear down, switch back).
 */
export class SampleSeries {
  /** Samples with data (not `no-data`). */
  judged = 0;
  lastPrediction: PredictionComparison | undefined;
  private bad = 0;

  constructor(
    private readonly analysis: ReleaseAnalysis,
    private readonly thresholds: Thresholds,
    /** Where samples go (the result's list, shared across the phases of one release). */
    readonly samples: CanarySample[],
    private readonly emit: (message: string) => void,
  ) {}

  /**
   * Takes one sample. A Prometheus that cannot answer (NetworkError, ClusterError) is `fail-safe`;
   * `consecutiveFailures` bad samples in a row is `stop`.
   */
  async take(target: SampleTarget, label: string): Promise<SampleStep> {
    let candidate: SideMetrics;
    let stable: SideMetrics;
    let prediction: PredictionComparison | undefined;
    try {
      [candidate, stable, prediction] = await Promise.all([
        this.analysis.side(target.candidate),
        target.stableBaseline ?? this.analysis.side(target.stable),
        this.analysis.predictions(target.stable, target.candidate, target.sinceSeconds),
      ]);
    } catch (error) {
      if (error instanceof NetworkError || error instanceof ClusterError)
        return { next: 'fail-safe', why: `fail safe: ${error.message}` };
      throw error;
    }
    this.lastPrediction = prediction;
    const judgement = withPrediction(judgeSample(candidate, stable, this.thresholds), prediction);
    this.samples.push({
      atMs: target.atMs,
      weight: target.weight,
      canary: candidate,
      stable,
      ...judgement,
      prediction,
      ...(target.phase ? { phase: target.phase } : {}),
    });
    this.emit(`${label}: ${judgement.verdict}${describe(judgement.reasons, candidate, stable, prediction)}`);
    if (judgement.verdict === 'no-data') return { next: 'continue' };
    this.judged++;
    this.bad = judgement.verdict === 'bad' ? this.bad + 1 : 0;
    if (this.bad >= this.thresholds.consecutiveFailures)
      return { next: 'stop', why: `${this.bad} bad samples in a row: ${judgement.reasons.join('; ')}` };
    return { next: 'continue' };
  }

  /** Starts counting bad samples in a row afresh (a new phase of the same release). */
  resetStreak(): void {
    this.bad = 0;
  }
}

/** A sample's detail for the progress line: why it is bad, else the prediction and p95 compared. */
function describe(
  reasons: string[],
  candidate: SideMetrics,
  stable: SideMetrics,
  prediction: PredictionComparison | undefined,
): string {
  const detail =
    reasons.length > 0
      ? reasons
      : [
          ...(candidate.p95 !== undefined
            ? [`p95 ${ms(candidate.p95)} vs ${stable.p95 !== undefined ? ms(stable.p95) : 'n/a'}`]
            : []),
          ...(prediction?.reasons ?? []),
        ];
  return detail.length > 0 ? ` (${detail.join('; ')})` : '';
}

const ms = (s: number) => `${Math.round(s * 1000)} ms`;
const pct = (r: number) => `${(r * 100).toFixed(2)} %`;
