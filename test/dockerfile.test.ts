import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, JSONInstruction, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/cli.js';

const text = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(text);

/** ARG defaults before the first FROM, which FROM lines may use. */
const args = new Map(
  dockerfile
    .getInitialARGs()
    .flatMap((arg) => arg.getProperties())
    .map((p) => [p.getName(), p.getValue() ?? ''] as const),
);
const resolve = (value: string) => value.replace(/\$\{?(\w+)\}?/g, (_, name: string) => args.get(name) ?? '');

interface Stage {
  name: string | undefined;
  image: string;
  instructions: Instruction[];
}

const stages: Stage[] = dockerfile.getFROMs().map((from, i, froms) => {
  const start = from.getRange().start.line;
  const end = froms[i + 1]?.getRange().start.line ?? Number.MAX_SAFE_INTEGER;
  return {
    name: from.getBuildStage() ?? undefined,
    image: resolve(from.getImageName() ? (from.getArgumentsContent()?.split(/\s+/)[0] ?? '') : ''),
    instructions: dockerfile.getInstructions().filter((ins) => {
      const line = ins.getRange().start.line;
      return line > start && line < end;
    }),
  };
});

/** The words of a RUN, exec form or shell form. */
const runWords = (ins: Instruction): string[] =>
  ins instanceof JSONInstruction && ins.getJSONStrings().length > 0
    ? ins.getJSONStrings().map((s) => s.getJSONValue())
    : (ins.getArgumentsContent() ?? '').split(/\s+/);

const NETWORK = /^(curl|wget|npm|npx|pnpm|yarn|pip3?|apt-get|apt|apk|git)$/;

describe("mlready's Dockerfile", () => {
  it('parses without errors', () => {
    expect(validate(text).filter((d) => d.severity === 1)).toEqual([]);
    expect(stages.map((s) => s.name)).toEqual(['build', 'install', 'runtime']);
  });

  it('pins every base image by digest', () => {
    for (const stage of stages)
      expect(stage.image, stage.name).toMatch(/^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/);
  });

  it('installs from the lockfile with npm ci, production dependencies only in the shipped stage', () => {
    const install = stages.find((s) => s.name === 'install')!;
    const copied = install.instructions
      .filter((i) => i.getKeyword() === 'COPY')
      .flatMap((i) => i.getArgumentsContent()?.split(/\s+/) ?? []);
    expect(copied).toContain('package-lock.json');
    const npm = install.instructions.filter((i) => i.getKeyword() === 'RUN').map(runWords);
    expect(npm).toContainEqual(expect.arrayContaining(['npm', 'ci', '--omit=dev']));
    expect(npm.flat()).not.toContain('install');
  });

  it('fetches nothing after the install stage: the runtime stage only copies', () => {
    const runtime = stages.at(-1)!;
    expect(runtime.name).toBe('runtime');
    for (const ins of runtime.instructions) {
      expect(ins.getKeyword(), ins.getTextContent()).not.toBe('ADD');
      if (ins.getKeyword() === 'RUN') expect(runWords(ins)[0], ins.getTextContent()).not.toMatch(NETWORK);
    }
    const froms = runtime.instructions
      .filter((i) => i.getKeyword() === 'COPY')
      .map((i) => /--from=(\S+)/.exec(i.getTextContent())?.[1])
      .filter(Boolean);
    expect(new Set(froms)).toEqual(new Set(['install', 'build']));
  });

  it('runs as a non-root user, with mlready as the entrypoint in exec form', () => {
    const runtime = stages.at(-1)!;
    const user = runtime.instructions.filter((i) => i.getKeyword() === 'USER').at(-1);
    expect(user?.getArgumentsContent()).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    const entrypoint = runtime.instructions.find((i) => i.getKeyword() === 'ENTRYPOINT');
    expect(
      entrypoint instanceof JSONInstruction && entrypoint.getJSONStrings().map((s) => s.getJSONValue()),
    ).toEqual(['mlready']);
  });

  it('.dockerignore sends only what the Dockerfile copies', () => {
    const ignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const copied = stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.getKeyword() === 'COPY' && !/--from=/.test(i.getTextContent()))
      .flatMap((i) => (i.getArgumentsContent() ?? '').split(/\s+/).slice(0, -1))
      .map((p) => `!${p.replace(/\/$/, '')}`);
    expect(new Set(ignore.slice(1))).toEqual(new Set(copied));
  });
});

/** A real build needs podman or buildah and the pinned base image already present: nothing can be pulled here. */
function builder(): { tool: string; present: boolean } | undefined {
  for (const tool of ['podman', 'buildah']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      continue;
    }
    const image = args.get('NODE_IMAGE') ?? '';
    try {
      execFileSync(tool, tool === 'podman' ? ['image', 'exists', image] : ['inspect', image], {
        stdio: 'ignore',
      });
      return { tool, present: true };
    } catch {
      return { tool, present: false };
    }
  }
  return undefined;
}

const build = builder();

describe('a real image build', () => {
  const why = build
    ? `${build.tool} is installed but the pinned base image is not present`
    : 'neither podman nor buildah is installed';
  // Reported as skipped, with the reason, wherever the build cannot run.
  (build?.present ? it : it.skip)(
    build?.present
      ? 'builds, stays small, and runs mlready --version on a read-only root filesystem'
      : `builds the image: NOT RUN, ${why} (base images cannot be pulled on this machine)`,
    async () => {
      const tool = build!.tool;
      const tag = 'localhost/mlready-test:build';
      const buildArgs = tool === 'podman' ? ['build', '-t', tag, '.'] : ['bud', '-t', tag, '.'];
      await execa(tool, buildArgs, { cwd: REPO_ROOT, timeout: 900_000 });
      const size = Number((await execa('podman', ['image', 'inspect', tag, '--format', '{{.Size}}'])).stdout);
      console.log(`mlready image: ${(size / 2 ** 20).toFixed(0)} MiB`);
      expect(size).toBeLessThan(400 * 2 ** 20);
      const version = await execa('podman', ['run', '--rm', '--read-only', tag, '--version']);
      expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    },
    1_000_000,
  );
});
