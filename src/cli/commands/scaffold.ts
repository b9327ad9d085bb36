import { dirname, join, relative, resolve } from 'node:path';
import { loadManifest } from '../../manifest/load.js';
import { loadTemplates, renderScaffold } from '../../scaffold/render.js';
import type { Autoscaler, Canary, Target } from '../../scaffold/view.js';
import { planWrites, writeScaffold } from '../../scaffold/write.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIO } from '../io.js';

export interface ScaffoldFlags {
  manifest: string;
  out?: string;
  target: Target;
  canary: Canary;
  autoscaler: Autoscaler;
  templates?: string;
  dryRun?: boolean;
  force?: boolean;
}

export function scaffoldCommand(io: CliIO, flags: ScaffoldFlags): number {
  const { manifest, file } = loadManifest(flags.manifest, io.cwd);
  const outDir = resolve(io.cwd, flags.out ?? dirname(file));
  const files = renderScaffold(
    manifest,
    { target: flags.target, canary: flags.canary, autoscaler: flags.autoscaler },
    loadTemplates(flags.templates && resolve(io.cwd, flags.templates)),
  );
  const shown = relative(io.cwd, outDir) || '.';
  if (flags.dryRun) {
    const plan = planWrites(files, outDir, flags.force === true);
    files.forEach((f, i) => {
      const status = plan[i]!.status === 'written' ? 'new' : plan[i]!.status;
      const finalNewline = f.content.endsWith('\n') ? '' : '\n';
      io.stdout(`--- ${join(shown, f.path)} (${status})\n${f.content}${finalNewline}`);
    });
    return ExitCode.Ok;
  }
  const results = writeScaffold(files, outDir, flags.force === true, io.writeFile);
  for (const r of results) io.stdout(`${r.status.padEnd(11)} ${join(shown, r.path)}\n`);
  const skipped = results.filter((r) => r.status === 'skipped').length;
  if (skipped > 0)
    io.stderr(
      `mlready: kept ${skipped} file${skipped === 1 ? '' : 's'} you edited; --force overwrites them\n`,
    );
  io.stdout(`next: mlready check ${shown}\n`);
  return ExitCode.Ok;
}
