import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { YamlPath } from '../../src/manifest/yaml.js';

/** The repository's root, where the YAML corpus (fixtures, examples, golden files) lives. */
export const ROOT = join(import.meta.dirname, '..', '..');

/** Every .yaml/.yml file under a folder, recursively: the corpus the YAML readers are proven on. */
export function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/** Every path to a value in a plain YAML value (keys of maps, indexes of lists). */
export function paths(value: unknown, at: YamlPath = []): YamlPath[] {
  const out: YamlPath[] = [at];
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...paths(item, [...at, i])));
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) out.push(...paths(item, [...at, key]));
  return out;
}
