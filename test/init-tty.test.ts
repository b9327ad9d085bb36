import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../src/manifest/load.js';
import { BIN } from './helpers/cli.js';
import { tmpTree } from './helpers/tmp.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A person at a real terminal: tmux (installed by .ci/run) runs `mlready init` in a pseudo-terminal,
// send-keys types the answers, capture-pane reads the screen.
describe('mlready init at a real terminal', () => {
  it('asks each question with per-runtime defaults and writes the answers', async () => {
    const dir = tmpTree();
    const session = `mlready-init-${process.pid}`;
    const tmux = (...args: string[]) => execa('tmux', args, { reject: false });
    await tmux(
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '160',
      '-y',
      '40',
      `cd ${dir} && NO_COLOR=1 node ${BIN} init; echo "EXIT=$?" > exit.txt`,
    );
    try {
      const screen = async () => (await tmux('capture-pane', '-p', '-t', session)).stdout;
      const waitFor = async (text: string) => {
        for (let i = 0; i < 100; i++) {
          if ((await screen()).includes(text)) return;
          await sleep(100);
        }
        throw new Error(`never showed "${text}":\n${await screen()}`);
      };
      await waitFor('Serving runtime');
      // The list starts on the default (vllm, last); one Up selects triton.
      await tmux('send-keys', '-t', session, 'Up');
      await sleep(150);
      await tmux('send-keys', '-t', session, 'Enter');
      await waitFor('Model (e.g.');
      await tmux('send-keys', '-t', session, '-l', 'fraud-detector');
      await tmux('send-keys', '-t', session, 'Enter');
      await waitFor('Model version');
      await tmux('send-keys', '-t', session, 'C-u');
      await tmux('send-keys', '-t', session, '-l', '2.3.0');
      await tmux('send-keys', '-t', session, 'Enter');
      // Every other question: wait until it is on screen, then take the proposed default.
      for (const question of [
        'Service name',
        'Protocol',
        'GPUs per replica',
        'GPU type',
        'CPU per replica',
        'Memory per replica',
        'Minimum replicas',
        'Maximum replicas',
        'Latency SLO',
        'Error-rate SLO',
        'Features to watch',
        'Drift warning threshold',
        'Drift critical threshold',
        'Rollout strategy',
      ]) {
        await waitFor(question);
        await tmux('send-keys', '-t', session, 'Enter');
      }
      for (let i = 0; i < 50 && !existsSync(join(dir, 'exit.txt')); i++) await sleep(100);
      expect(readFileSync(join(dir, 'exit.txt'), 'utf8').trim()).toBe('EXIT=0');
      const { manifest } = parseManifest(readFileSync(join(dir, 'mlready.yaml'), 'utf8'), 'mlready.yaml');
      expect(manifest.spec.model).toMatchObject({ name: 'fraud-detector', version: '2.3.0' });
      // Triton, with Triton's defaults: a GPU, p95 100 ms, KServe v2 protocol.
      expect(manifest.spec.serving.runtime).toBe('triton');
      expect(manifest.spec.serving.protocol).toBe('kserve-v2');
      expect(manifest.spec.resources?.gpu).toBe(1);
      expect(manifest.spec.slo?.latencyMs?.p95).toBe(100);
    } finally {
      await tmux('kill-session', '-t', session);
    }
  }, 60_000);
});
