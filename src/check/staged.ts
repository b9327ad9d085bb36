import { posix, relative, resolve } from 'node:path';
import { execa } from 'execa';
import { InputError } from '../errors.js';
import type { InputText } from './inputs.js';

const YAML_FILE = /\.ya?ml$/i;
const MANIFEST_FILE = /(^|\/)mlready\.ya?ml$/i;

/**
 * The staged (index) versions of the YAML files a commit touches, widened to the whole model
 * service each belongs to: a rule about an HPA needs its Deployment even when only the HPA changed.
 * A service's root is the nearest directory above a changed file that holds an mlready.yaml,
 * else the changed file's own directory.
 */
export async function readStagedInputs(cwd: string): Promise<InputText[]> {
  const git = async (args: string[]) => {
    try {
      return (await execa('git', args, { cwd, stripFinalNewline: false })).stdout;
    } catch (error) {
      const message = (error as { stderr?: string }).stderr?.trim() || String(error);
      throw new InputError(
        `--staged needs a git repository: git ${args[0]} failed: ${message.split('\n')[0]}`,
        { cause: error },
      );
    }
  };
  const top = (await git(['rev-parse', '--show-toplevel'])).trim();
  const changed = split(await git(['diff', '--cached', '--name-only', '--diff-filter=ACMR', '-z'])).filter(
    (f) => YAML_FILE.test(f),
  );
  if (changed.length === 0) return [];
  const indexed = split(await git(['ls-files', '-z', '--cached'])).filter(
    (f) => YAML_FILE.test(f) && !/(^|\/)\.mlready\.ya?ml$/.test(f),
  );
  const manifestDirs = new Set(indexed.filter((f) => MANIFEST_FILE.test(f)).map((f) => posix.dirname(f)));
  const roots = new Set(changed.map((file) => serviceRoot(file, manifestDirs)));
  const wanted = indexed.filter((file) =>
    [...roots].some((root) => root === '.' || file.startsWith(`${root}/`)),
  );
  const texts: InputText[] = [];
  for (const file of wanted.sort()) {
    const text = await git(['show', `:${file}`]);
    texts.push({ file: relative(cwd, resolve(top, file)).split('\\').join('/') || file, text });
  }
  return texts;
}

function serviceRoot(file: string, manifestDirs: ReadonlySet<string>): string {
  let dir = posix.dirname(file);
  for (;;) {
    if (manifestDirs.has(dir)) return dir;
    if (dir === '.') return posix.dirname(file);
    dir = posix.dirname(dir);
  }
}

function split(output: string): string[] {
  return output.split('\0').filter(Boolean);
}
