/**
 * What serving costs at the measured throughput: the hardware's price per hour spread over the
 * requests and output tokens it served in that hour. The bands are the production checklist's,
 * per 1 000 calls: up to $0.50 healthy, $0.50–1.00 warning, above that critical.
 */
export const COST_BANDS = { healthy: 0.5, warning: 1 } as const;

export type CostBand = 'healthy' | 'warning' | 'critical';

export interface CostSummary {
  /** The price of the serving hardware per hour (--cost-per-hour or the manifest). */
  perHour: number;
  /** Cost per 1 000 requests at the achieved rate; null when nothing succeeded. */
  per1kRequests: number | null;
  /** Cost per million output tokens at the measured token rate; null without tokens. */
  perMillionOutputTokens: number | null;
  band: CostBand | null;
}

export function costOf(perHour: number, requestsPerSecond: number, tokensPerSecond: number): CostSummary {
  const per1kRequests = requestsPerSecond > 0 ? (perHour / (requestsPerSecond * 3600)) * 1000 : null;
  const perMillionOutputTokens = tokensPerSecond > 0 ? (perHour / (tokensPerSecond * 3600)) * 1e6 : null;
  return {
    perHour,
    per1kRequests: per1kRequests === null ? null : round(per1kRequests),
    perMillionOutputTokens: perMillionOutputTokens === null ? null : round(perMillionOutputTokens),
    band: per1kRequests === null ? null : costBand(per1kRequests),
  };
}

export function costBand(per1kRequests: number): CostBand {
  return per1kRequests <= COST_BANDS.healthy
    ? 'healthy'
    : per1kRequests <= COST_BANDS.warning
      ? 'warning'
      : 'critical';
}

function round(n: number): number {
  return Number(n.toPrecision(4));
}
