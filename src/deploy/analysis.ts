import { DEFAULT_METRICS, type ModelManifest } from '../manifest/types.js';
import {
  bucketQuery,
  comparePredictions,
  missingRateQuery,
  predictionPolicy,
  type PredictionComparison,
  type PredictionPolicy,
  type VectorSample,
} from './prediction.js';

/**
 * Answers PromQL queries. `query` gives an instant query's first value (undefined when it matches
 * no data); `queryVector` every series with its labels (for histogram buckets by `le`). Both throw
 * when they cannot ask.
 */
export interface MetricsSource {
  query: (promql: string) => Promise<number | undefined>;
  /** Without it, prediction distributions are not compared (and the result says so). */
  queryVector?: (promql: string) => Promise<VectorSample[]>;
}

/** One side's latency and error rate over the sample window. */
export interface SideMetrics {
  p95?: number | undefined;
  errorRate?: number | undefined;
}

/**
 * The queries of a release analysis (canary, shadow, blue-green) for one namespace: p95 latency and
 * error rate over a short window, prediction buckets and feature missing rates over the whole
 * analysis so far (evidence accumulates; see src/deploy/prediction.ts).
 */
export class ReleaseAnalysis {
  readonly policy: PredictionPolicy;
  private readonly latency: string;
  private readonly errors: string;
  private readonly window: string;
  private readonly windowSeconds: number;

  constructor(
    private readonly metrics: MetricsSource,
    manifest: ModelManifest,
    private readonly namespace: string,
    sampleMs: number,
  ) {
    this.latency = manifest.spec.monitoring?.metrics?.latency ?? DEFAULT_METRICS.latency;
    this.errors = manifest.spec.monitoring?.metrics?.errors ?? DEFAULT_METRICS.errors;
    this.windowSeconds = Math.max(10, Math.round((2 * sampleMs) / 1000));
    this.window = `${this.windowSeconds}s`;
    this.policy = predictionPolicy(manifest);
  }

  selector(podRe: string): string {
    return `{namespace="${this.namespace}",pod=~"${podRe}"}`;
  }

  p95Query(podRe: string): string {
    const s = this.selector(podRe);
    return `histogram_quantile(0.95, sum by (le) (rate(${this.latency}_bucket${s}[${this.window}])))`;
  }

  errorQuery(podRe: string): string {
    const s = this.selector(podRe);
    const errors = `sum(rate(${this.errors}${s}[${this.window}]))`;
    const requests = `sum(rate(${this.latency}_count${s}[${this.window}]))`;
    return `(${errors} or vector(0)) / ${requests}`;
  }

  /** Latency and error rate of one side. */
  async side(podRe: string): Promise<SideMetrics> {
    const [p95, errorRate] = await Promise.all([
      this.metrics.query(this.p95Query(podRe)),
      this.metrics.query(this.errorQuery(podRe)),
    ]);
    return { p95, errorRate };
  }

  /**
   * The prediction comparison over the last `windowSeconds` (at least the latency window, so that
   * the range holds two scrapes even at the first sample), or undefined when this source cannot
   * answer vector queries.
   */
  async predictions(
    stableRe: string,
    candidateRe: string,
    windowSeconds: number,
  ): Promise<PredictionComparison | undefined> {
    const vector = this.metrics.queryVector;
    if (!vector) return undefined;
    const w = `${Math.max(this.windowSeconds, Math.ceil(windowSeconds))}s`;
    const ask = (q: string) => vector.call(this.metrics, q);
    const [stable, candidate, stableMissing, candidateMissing] = await Promise.all([
      ask(bucketQuery(this.policy.metric, this.selector(stableRe), w)),
      ask(bucketQuery(this.policy.metric, this.selector(candidateRe), w)),
      ask(missingRateQuery(this.policy.featureMissingMetric, this.selector(stableRe), w)),
      ask(missingRateQuery(this.policy.featureMissingMetric, this.selector(candidateRe), w)),
    ]);
    return comparePredictions(stable, candidate, this.policy, {
      stable: stableMissing,
      candidate: candidateMissing,
    });
  }
}
