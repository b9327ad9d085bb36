import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asArray, toObject, type K8sObject } from '../src/check/objects.js';
import { parseYaml } from '../src/manifest/yaml.js';
import { flagValue, splitTokens, tokensOf } from '../src/estimate/model-flags.js';
import type { ContainerRef } from '../src/workloads/model.js';
import { readWorkloads } from '../src/workloads/registry.js';

// tokensOf and flagValue became loops (issue 18): they must answer as the chains of array methods
// they replace did, on every container of the repository's fixtures and on hostile arguments.

function oldTokensOf(ref: ContainerRef): string[] {
  return [...asArray(ref.container.command), ...asArray(ref.container.args)]
    .map(String)
    .flatMap((arg) => arg.split(/\s+/))
    .filter(Boolean)
    .map((t) => t.replace(/^['"]|['"]$/g, ''));
}

function oldFlagValue(tokens: readonly string[], ...names: string[]): string | undefined {
  let value: string | undefined;
  tokens.forEach((token, i) => {
    for (const name of names) {
      if (token === name && tokens[i + 1] !== undefined && !tokens[i + 1]!.startsWith('-'))
        value = tokens[i + 1];
      else if (token.startsWith(`${name}=`)) value = token.slice(name.length + 1);
    }
  });
  return value;
}

const ROOT = join(import.meta.dirname, '..');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

function fixtureContainers(): ContainerRef[] {
  const refs: ContainerRef[] = [];
  for (const file of [...yamlFiles(join(ROOT, 'test', 'fixtures')), ...yamlFiles(join(ROOT, 'examples'))]) {
    let objects: K8sObject[];
    try {
      objects = parseYaml(readFileSync(file, 'utf8'), file)
        .documents.map((d) => toObject(d))
        .filter((o): o is K8sObject => !('reason' in o));
    } catch {
      continue; // fixtures of unreadable input
    }
    const set = readWorkloads(objects);
    for (const o of objects) {
      const w = set.get(o);
      if (w) for (const t of w.templates) refs.push(...t.containers, ...t.initContainers);
    }
  }
  return refs;
}

/** A container with these command and args, for the hostile cases. */
function refWith(command: unknown, args: unknown): ContainerRef {
  return { container: { command, args } } as unknown as ContainerRef;
}

const NAMES: string[][] = [
  ['--quantization', '-q'],
  ['--quantize'],
  ['--dtype'],
  ['--tensor-parallel-size', '-tp', '--tp', '--tp-size', '--num-shard'],
  ['--pipeline-parallel-size', '-pp', '--pp-size'],
  ['--revision', '--code-revision'],
  ['--api-key'],
  ['--model'],
  ['port', 'model'],
];

describe('tokensOf and flagValue', () => {
  const fixtures = fixtureContainers();
  const hostile = [
    refWith(['sh', '-c'], ['python -m vllm --model "a b" --dtype=\'half\' \u00a0 --tp 2\t--x "']),
    refWith(["'"], ['""', '\'a"', '"', '  ', '', 42, true, null, { a: 1 }]),
    refWith('not a list', ['--model', '--dtype', 'float32', '--dtype=', 'port=80', 'model', 'x']),
    refWith(undefined, ['--quantization', '-awq', '-q', 'awq', '--quantization=gptq']),
  ];

  it('reads fixtures with commands and args', () => {
    expect(fixtures.filter((r) => oldTokensOf(r).length > 2).length).toBeGreaterThan(20);
  });

  it('splits every container as the old chain did', () => {
    for (const ref of [...fixtures, ...hostile]) {
      expect(splitTokens(ref), JSON.stringify(ref.container.args)).toEqual(oldTokensOf(ref));
      expect(tokensOf(ref)).toEqual(oldTokensOf(ref));
    }
  });

  it('finds the same flag values as the old loop', () => {
    for (const ref of [...fixtures, ...hostile])
      for (const names of NAMES)
        expect(flagValue(tokensOf(ref), ...names), `${names.join(',')} in ${ref.name}`).toBe(
          oldFlagValue(oldTokensOf(ref), ...names),
        );
  });

  it('shares one frozen list per container', () => {
    const ref = hostile[0]!;
    expect(tokensOf(ref)).toBe(tokensOf(ref));
    expect(Object.isFrozen(tokensOf(ref))).toBe(true);
  });
});
