import { parse as parseShell } from 'shell-quote';
import { asArray } from '../check/objects.js';
import { redactText } from '../redact.js';
import { ANY_WORKLOAD, defineRule } from './rule.js';
import { podContainers } from './support/serving.js';

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh']);
/** Words that run the next word as the command. */
const WRAPPERS = new Set(['exec', 'env', 'sudo', 'nohup', 'time', 'nice', 'command']);
const FETCHERS = new Set(['curl', 'wget']);
const INTERPRETERS = new Set([...SHELLS, 'python', 'python3', 'node', 'perl', 'ruby']);

/** Package managers and the subcommands that download and install or run a package. */
const INSTALLERS: Record<string, ReadonlySet<string> | 'always'> = {
  npx: 'always',
  bunx: 'always',
  uvx: 'always',
  npm: new Set(['exec', 'x', 'install', 'i', 'ci', 'add']),
  pnpm: new Set(['dlx', 'add', 'install', 'i']),
  yarn: new Set(['dlx', 'add', 'install']),
  pip: new Set(['install']),
  pip3: new Set(['install']),
  pipx: new Set(['run', 'install']),
  uv: new Set(['pip', 'run', 'tool', 'add']),
  conda: new Set(['install', 'create']),
  mamba: new Set(['install', 'create']),
  micromamba: new Set(['install', 'create']),
  'apt-get': new Set(['install']),
  apt: new Set(['install']),
  apk: new Set(['add']),
  yum: new Set(['install']),
  dnf: new Set(['install']),
  gem: new Set(['install']),
  go: new Set(['install', 'run']),
};

type Word = string | { op: string } | { comment: string } | { op: 'glob'; pattern: string };

/** Simple commands of a shell script, each with whether it reads a pipe from a download. */
function commandsOf(script: string): { words: string[]; pipedFromFetch: boolean }[] {
  const out: { words: string[]; pipedFromFetch: boolean }[] = [];
  let words: string[] = [];
  let pipedFromFetch = false;
  const flush = (next: { pipedFromFetch: boolean }) => {
    if (words.length > 0) out.push({ words, pipedFromFetch });
    words = [];
    pipedFromFetch = next.pipedFromFetch;
  };
  for (const token of parseShell(script, (name) => `$${name}`) as Word[]) {
    if (typeof token === 'string') words.push(token);
    else if ('pattern' in token) words.push(token.pattern);
    else if ('op' in token) {
      const fetched = token.op === '|' && FETCHERS.has(commandName(words) ?? '');
      flush({ pipedFromFetch: fetched });
    }
  }
  flush({ pipedFromFetch: false });
  return out;
}

/** The command a simple command runs, past `VAR=value` assignments and wrappers like `exec`. */
function commandWords(words: readonly string[]): string[] {
  let i = 0;
  while (i < words.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!) || WRAPPERS.has(base(words[i]!))))
    i++;
  return words.slice(i);
}

function commandName(words: readonly string[]): string | undefined {
  const first = commandWords(words)[0];
  return first === undefined ? undefined : base(first);
}

const base = (word: string) => word.split('/').pop() ?? word;

/** What a simple command installs at start, in a few words, or undefined. */
function installOf(words: readonly string[], pipedFromFetch: boolean): string | undefined {
  const argv = commandWords(words);
  const name = base(argv[0] ?? '');
  if (pipedFromFetch && INTERPRETERS.has(name)) return `pipes a download into ${name}`;
  // python -m pip install …
  if (/^python[0-9.]*$/.test(name) && argv[1] === '-m' && /^pip[0-9]*$/.test(argv[2] ?? ''))
    return argv[3] === 'install' ? 'runs pip install' : undefined;
  const verbs = INSTALLERS[name];
  if (verbs === undefined) return undefined;
  if (verbs === 'always') return `runs ${name}`;
  const verb = argv.slice(1).find((w) => !w.startsWith('-'));
  return verb !== undefined && verbs.has(verb) ? `runs ${name} ${verb}` : undefined;
}

/** Each installation a container's command line performs at start. */
export function installsAtStart(command: readonly string[], args: readonly string[]): string[] {
  const argv = [...command, ...args];
  const found: string[] = [];
  const shellAt = argv.findIndex((w, i) => SHELLS.has(base(w)) && /^-[a-z]*c[a-z]*$/.test(argv[i + 1] ?? ''));
  const scripts = shellAt >= 0 ? [argv[shellAt + 2] ?? ''] : [];
  if (shellAt < 0) {
    const direct = installOf(argv, false);
    if (direct) found.push(direct);
  }
  for (const script of scripts)
    for (const { words, pipedFromFetch } of commandsOf(script)) {
      const install = installOf(words, pipedFromFetch);
      if (install) found.push(install);
    }
  return [...new Set(found)];
}

export default defineRule({
  id: 'no-install-at-start',
  severity: 'warning',
  appliesTo: 'workloads',
  section: 'rollout',
  kinds: [ANY_WORKLOAD],
  docs: {
    summary:
      'Containers do not download or install packages when they start (npx, npm exec, pip install, curl … | sh).',
    why:
      'A pod that installs at start depends on the network and on whatever the registry serves at that moment: ' +
      'in a cluster without egress it never starts, a registry outage stops scale-ups and rollbacks, and an ' +
      "unpinned package runs with the pod's credentials (a supply-chain risk). It is also slower: every start " +
      'pays for the download. What runs should be what was built, tested and pinned in the image.',
    fix: 'Install at build time: add the package to the image (a Dockerfile RUN step from a lockfile), pin the image by digest, and run the installed command in exec form.',
  },
  check({ service, report }) {
    for (const workload of service.workloads) {
      for (const template of workload.templates)
        for (const ref of podContainers(template)) {
          // Nothing to read without a command line (most containers run their image's entrypoint).
          if (ref.container.command === undefined && ref.container.args === undefined) continue;
          const words = (field: 'command' | 'args') =>
            asArray(ref.container[field]).map((w) => (typeof w === 'string' ? w : String(w)));
          const command = words('command');
          const args = words('args');
          for (const install of installsAtStart(command, args)) {
            const line = redactText([...command, ...args].join(' '));
            const shown = line.length > 80 ? `${line.slice(0, 77)}...` : line;
            const where = ref.at(command.length > 0 ? 'command' : 'args');
            report({
              object: where.object,
              path: where.path,
              message: `${ref.label} ${install} at start ("${shown}")`,
            });
          }
        }
    }
  },
});
