import { describe, expect, it } from 'vitest';
import { transientReason, withRetry } from '../../src/k8s/retry.js';

/** An error shaped as client-node's ApiException: `code` is the HTTP status, `body` the answer. */
const apiError = (code: number, message: string) =>
  Object.assign(new Error(`HTTP-Code: ${code}`), {
    code,
    body: JSON.stringify({ kind: 'Status', status: 'Failure', message, code }),
  });

describe('transientReason', () => {
  it('retries overload and gateway answers and connection resets', () => {
    expect(transientReason(apiError(503, 'the server is currently unable to handle the request'))).toBe(
      'HTTP 503',
    );
    expect(transientReason(apiError(500, 'etcdserver: request timed out'))).toBe('HTTP 500');
    expect(transientReason(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(
      'ECONNRESET',
    );
  });

  it('does not retry client errors, nor the 500 an apply with an undeclared field gets (v1.32)', () => {
    expect(transientReason(apiError(409, 'Apply failed with 1 conflict'))).toBeUndefined();
    const undeclared = apiError(
      500,
      'failed to create typed patch object (ml/model; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="server"].imagePulPolicy: field not declared in schema',
    );
    expect(transientReason(undeclared)).toBeUndefined();
  });

  it('gives up at once on an answer that can never change', async () => {
    let calls = 0;
    const undeclared = apiError(500, 'failed to create typed patch object: x: field not declared in schema');
    await expect(
      withRetry(
        () => {
          calls++;
          return Promise.reject(undeclared);
        },
        { retries: 5, baseMs: 1, maxMs: 1, sleep: () => Promise.resolve() },
      ),
    ).rejects.toBe(undeclared);
    expect(calls).toBe(1);
  });
});
