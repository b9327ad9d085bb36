import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderHelmChart } from '../src/check/render.js';
import { tmpTree } from './helpers/tmp.js';

/** A fake `helm` running `script`, alone on PATH. */
function helmRunning(script: string): Readonly<Record<string, string>> {
  const bin = tmpTree();
  writeFileSync(join(bin, 'helm'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, 'helm'), 0o755);
  return { PATH: `${bin}:/usr/bin:/bin` };
}

describe('rendering a chart is bounded in time and output', () => {
  it('stops a helm that runs past the time limit and says so', () => {
    const rendered = renderHelmChart('chart', 'chart', {
      cwd: tmpTree(),
      env: helmRunning('sleep 5'),
      maxBytes: 1_000_000,
      timeoutMs: 200,
    });
    expect(rendered.texts).toEqual([]);
    expect(rendered.problem?.message).toBe('helm template chart failed: timed out after 0.2 s');
  });

  it('refuses output over what is left of the input limit', () => {
    const rendered = renderHelmChart('chart', 'chart', {
      cwd: tmpTree(),
      env: helmRunning('yes "kind: ConfigMap" | head -c 3000000'),
      maxBytes: 2 * 1024 * 1024,
    });
    expect(rendered.problem?.message).toBe(
      'helm template chart failed: its output is over the 2 MB left of the total input limit (maxTotalSizeMb)',
    );
  });

  it('passes the output through byte for byte, final newline included', () => {
    const rendered = renderHelmChart('chart', 'chart', {
      cwd: tmpTree(),
      env: helmRunning("printf '# Source: c/templates/a.yaml\\nkind: A\\n'"),
      maxBytes: 1000,
    });
    expect(rendered.problem).toBeUndefined();
    expect(rendered.texts.map((t) => t.text)).toEqual(['# Source: c/templates/a.yaml\nkind: A\n']);
  });
});
