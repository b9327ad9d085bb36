import { asRecord, asString } from '../check/objects.js';
import { formatBytes, parseQuantity } from '../check/quantity.js';
import { defineRule } from './rule.js';
import { servingContainers } from './support/serving.js';

const DAY_MS = 24 * 3600 * 1000;

export default defineRule({
  id: 'load-test-evidence',
  severity: 'warning',
  appliesTo: 'model-servers',
  section: 'resources',
  kinds: ['ModelService'],
  docs: {
    summary:
      'A recent, passing load-test report (mlready loadtest --save) for this image and model version proves the resource limits, with peak memory under the limit.',
    why:
      'Limits guessed in a notebook fail at the first traffic peak: OOM kills under long prompts, latency past the ' +
      'SLO at the batch size production sends. A report proves the limits for the version you ship, and only while ' +
      'it is recent (default 30 days) and for the same image and model version. Reports are read from ' +
      '.mlready/loadtest/*.json beside mlready.yaml (loadtest.reports and loadtest.maxAgeDays in .mlready.yaml).',
    fix: 'Run `mlready loadtest --manifest mlready.yaml --save` against a staging deployment of this version and commit the report.',
  },
  check({ service, report, evidence, now }) {
    const manifest = service.manifest;
    if (!manifest || service.workloads.length === 0) return;
    const name = manifest.name;
    const version = manifest.manifest.spec.model.version;
    for (const loaded of evidence.loadtests.filter((l) => l.error)) {
      report({
        object: manifest,
        path: ['metadata', 'name'],
        message: `${loaded.file} is not a valid load-test report: ${loaded.error}`,
      });
    }
    const reports = evidence.loadtests
      .flatMap((l) => (l.report ? [{ file: l.file, report: l.report }] : []))
      .filter(({ report: r }) => (r.service ?? name) === name)
      .sort((a, b) => Date.parse(b.report.startedAt) - Date.parse(a.report.startedAt));
    const latest = reports[0];
    if (!latest) {
      report({
        object: manifest,
        path: ['metadata', 'name'],
        message: `resource limits not proven under load: no load-test report for ${name} in .mlready/loadtest/`,
      });
      return;
    }
    const { file, report: r } = latest;
    const problems: string[] = [];
    if (r.model.version !== version) problems.push(`tested model version ${r.model.version}, not ${version}`);
    const image =
      manifest.manifest.spec.serving.image ?? asString(servingContainers(service)[0]?.container.image);
    if (r.image !== undefined && image !== undefined && r.image !== image)
      problems.push(`tested image ${r.image}, not ${image}`);
    const ageDays = (now.getTime() - Date.parse(r.startedAt)) / DAY_MS;
    if (ageDays > evidence.maxAgeDays)
      problems.push(`is ${Math.floor(ageDays)} days old (limit ${evidence.maxAgeDays})`);
    // A partial run proves nothing, whatever its SLO says (older reports only set summary.interrupted).
    if (r.partial || r.summary?.interrupted === true)
      problems.push(`is a partial run (${(r.partial?.reasons ?? ['interrupted']).join('; ')}): not evidence`);
    else if (!r.slo.passed)
      problems.push(
        `failed its SLO (${
          (r.slo.checks ?? [])
            .filter((c) => !c.passed)
            .map((c) => c.expression)
            .join(', ') || 'see the report'
        })`,
      );
    const limit = parseQuantity(
      asRecord(asRecord(servingContainers(service)[0]?.container.resources).limits).memory,
    );
    if (r.peak.memoryBytes !== undefined && limit !== undefined && r.peak.memoryBytes >= limit) {
      problems.push(
        `peaked at ${formatBytes(r.peak.memoryBytes)} memory, at or above the ${formatBytes(limit)} limit`,
      );
    }
    for (const problem of problems) {
      report({
        object: manifest,
        path: ['metadata', 'name'],
        message: `load-test report ${file} ${problem}`,
      });
    }
  },
});
