import { createServer, type Server } from 'node:http';

/**
 * A loopback stand-in for the Prometheus HTTP API (GET /api/v1/query) that answers the canary's
 * queries with values the test sets: p95 latency for histogram_quantile queries, an error rate
 * for the others, by whether the pod selector names the canary (or a shadow or green Deployment). It records every query and when
 * it came, so a test can tell what mlready asked before it changed anything. The canary tests
 * against a real Prometheus are in canary.test.ts; this one is for the deploy logic around them.
 */
export interface FakePrometheus {
  url: string;
  queries: { at: number; query: string }[];
  set: (track: 'stable' | 'canary', values: { p95?: number; errorRate?: number }) => void;
  close: () => Promise<void>;
}

export async function startFakePrometheus(): Promise<FakePrometheus> {
  const values = {
    stable: { p95: 0.1, errorRate: 0 } as { p95?: number; errorRate?: number },
    canary: { p95: 0.1, errorRate: 0 } as { p95?: number; errorRate?: number },
  };
  const queries: FakePrometheus['queries'] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = url.searchParams.get('query') ?? '';
    queries.push({ at: Date.now(), query });
    const track = /pod=~"[^"]*-(canary|shadow|green)-/.test(query) ? 'canary' : 'stable';
    const value = query.startsWith('histogram_quantile')
      ? values[track].p95
      : query.includes('pod=~')
        ? values[track].errorRate
        : 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        status: 'success',
        data: {
          resultType: 'vector',
          result: value === undefined ? [] : [{ metric: {}, value: [Date.now() / 1000, String(value)] }],
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    queries,
    set: (track, v) => {
      values[track] = { ...values[track], ...v };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
