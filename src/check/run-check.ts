import { basename, dirname } from 'node:path';
import { validateAgainst } from '../manifest/schemas.js';
import type { ModelManifest } from '../manifest/types.js';
import { parseInput, listItems } from '../manifest/input.js';
import type { SourceDocument } from '../manifest/yaml.js';
import { RULES } from '../rules/index.js';
import type { Report, Rule, RuleContext, Severity } from '../rules/rule.js';
import { KindReaders } from './rule-kinds.js';
import { locate, type ObjectFindings } from './locate.js';
import { loadReports } from './evidence.js';
import { estimateLoadTime, type EstimateMemo } from '../estimate/load-time.js';
import { loadDeployRecords, type LoadedDeployRecord } from '../deploy/record-file.js';
import { computeReadiness, prepareReadiness } from './readiness.js';
import { trafficShares } from './traffic.js';
import { defaultConfig, type Config } from './config.js';
import { collectInputs, type CollectedInputs, type InputText } from './inputs.js';
import { isRecord, toObject, type K8sObject, type ManifestObject, type SkippedDocument } from './objects.js';
import type { CheckResult, Finding, InputProblem, RuleMeta, ServiceSummary } from './result.js';
import { groupServices, kindIndex, serviceOf, type ModelService } from './services.js';
import type { ContainerRef } from '../workloads/model.js';
import { HELM_VALUES, kindById } from '../workloads/kinds.js';
import { readWorkloads } from '../workloads/registry.js';
import { MODEL_LABEL } from '../workloads/serving.js';

export interface CheckOptions {
  cwd: string;
  /** Files, directories, globs or "-". Ignored when `texts` is given. */
  paths?: readonly string[];
  /** Standard input's text, for "-". */
  stdin?: string | undefined;
  /** Already-read inputs (e.g. the staged versions of files), instead of `paths`. */
  texts?: readonly InputText[];
  config?: Config;
  /** Run only these rules (tests, `explain`); default: every rule not turned off. */
  only?: readonly string[];
  /** The time of the check; tests fix it. */
  now?: Date;
  /** Environment for helm and kustomize when a chart or kustomization is checked; the process's by default. */
  env?: Readonly<Record<string, string | undefined>>;
}

const MANIFEST_FILE = /^mlready\.ya?ml$/i;
const HELM_VALUES_FILE = /^values([.-][\w.-]+)?\.ya?ml$/i;

/** Lints a model service's files against the production-readiness checklist. Never prints, never exits. */
export function runCheck(options: CheckOptions): CheckResult {
  // Each phase is a function of its own, so V8 gathers type feedback and optimizes each loop on its
  // own instead of one large function whose later loops stay interpreted until late in a run.
  const config = options.config ?? defaultConfig(options.cwd);
  const collected: CollectedInputs = options.texts
    ? { texts: [...options.texts], skipped: [], problems: [] }
    : collectInputs({
        cwd: options.cwd,
        paths: options.paths ?? ['.'],
        stdin: options.stdin,
        ignore: config.ignore,
        ignoreRoot: config.root,
        maxFileBytes: config.maxFileBytes,
        maxTotalBytes: config.maxTotalBytes,
        env: options.env,
      });
  const { problems, skipped, objects, manifests } = readDocuments(collected, config.maxDocuments);

  // Exit 2 is for input that could not be read: valid YAML never fails because of its kinds.
  const documents = objects.length + manifests.length + skipped.filter((d) => d.kind !== '(file)').length;
  if (!options.texts && documents === 0 && problems.length === 0) {
    const skippedList = skipped
      .map((s) => `${s.file} (${s.kind === '(file)' ? s.reason : s.kind})`)
      .join(', ');
    problems.push({
      file: (options.paths ?? ['.']).join(' '),
      message: 'nothing to check: no Kubernetes objects or mlready.yaml in the input',
      hint: skipped.length > 0 ? `skipped: ${skippedList}` : undefined,
    });
  }

  const workloads = readWorkloads(objects);
  const services = groupServices(objects, manifests, { workloads });
  const rules = enabledRules(config, options.only);
  const checked = checkServices(services, rules, options, config);
  const { findings, suppressed } = checked;
  sortResults(findings, suppressed, problems);

  // Counted as the findings were reported: a loop over them here would run unoptimized (once per run).
  const counts = checked.counts;
  const ruleMetas = rules.map(({ rule, severity }): RuleMeta => ({
    id: rule.id,
    severity,
    section: rule.section,
    ...rule.docs,
  }));
  prepareReadiness(ruleMetas);
  const summaries = summarizeServices(services, findings, ruleMetas, checked);
  let modelServices = 0;
  let supportingWorkloads = 0;
  let notChecked = 0;
  for (let i = 0; i < summaries.length; i++) {
    const s = summaries[i]!;
    if (s.role === 'model') modelServices++;
    supportingWorkloads += s.supportingWorkloads.length;
    notChecked += s.notChecked.length;
  }
  return {
    findings,
    suppressed,
    problems,
    skipped,
    services: summaries,
    rules: ruleMetas,
    summary: {
      files: collected.texts.length,
      objects: objects.length + manifests.length,
      services: modelServices,
      supportingWorkloads,
      notChecked,
      errors: counts.error,
      warnings: counts.warning,
      infos: counts.info,
      suppressed: suppressed.length,
      skipped: skipped.length,
      problems: problems.length,
    },
  };
}

interface ReadDocuments {
  problems: InputProblem[];
  skipped: SkippedDocument[];
  objects: K8sObject[];
  manifests: ManifestObject[];
}

/** Parses every input into Kubernetes objects and mlready manifests, within the document limit. */
function readDocuments(collected: CollectedInputs, maxDocuments: number): ReadDocuments {
  const problems: InputProblem[] = [...collected.problems];
  const skipped: SkippedDocument[] = collected.skipped.map((s) => ({
    file: s.file,
    line: 1,
    kind: '(file)',
    name: '',
    reason: s.reason,
  }));
  const objects: K8sObject[] = [];
  const manifests: ManifestObject[] = [];

  let documentsLeft = maxDocuments;
  // Over the total input limit the run exits 2 whatever the files say: parsing them would only cost time.
  for (const input of collected.overLimit ? [] : collected.texts) {
    const parsed = parseInput(input, documentsLeft, maxDocuments);
    problems.push(...parsed.problems);
    // Past the limit parseInput reported it (counting one document more than it was allowed).
    if (parsed.documentCount > documentsLeft) break;
    documentsLeft -= parsed.documentCount;
    if (input.format === 'markdown' && parsed.documentCount === 0)
      skipped.push({ file: input.file, line: 1, kind: '(file)', name: '', reason: 'no fenced yaml blocks' });
    // Per file, not per document: a large input has thousands of documents in a few files.
    const isManifestFile = MANIFEST_FILE.test(basename(input.file));
    const isHelmValuesFile = HELM_VALUES_FILE.test(basename(input.file));
    // Indexed loops: readDocuments runs once per run, largely unoptimized, where a for-of loop
    // allocates an iterator result per document.
    const documents = parsed.documents;
    const read: ReadDocuments = { problems, skipped, objects, manifests };
    for (let d = 0; d < documents.length; d++) {
      const document = documents[d]!;
      // listItems answers a document that is no List with a list of that one document: only a
      // "…List" kind can hold items, and the others (nearly all) are read without that list.
      if (!mayBeList(document.value)) {
        readDocument(document, isManifestFile, isHelmValuesFile, read);
        continue;
      }
      const items = listItems(document);
      for (let i = 0; i < items.length; i++) readDocument(items[i]!, isManifestFile, isHelmValuesFile, read);
    }
  }
  return { problems, skipped, objects, manifests };
}

/** One document (or List item) as an object, a manifest or a skipped document. */
function readDocument(
  document: SourceDocument,
  isManifestFile: boolean,
  isHelmValuesFile: boolean,
  { problems, skipped, objects, manifests }: ReadDocuments,
): void {
  if (isHelmValuesFile && !isKubernetesObject(document.value)) {
    objects.push(helmValuesObject(document));
    return;
  }
  const object = toObject(document);
  if ('reason' in object && !isManifestFile) {
    skipped.push(object);
    return;
  }
  if ('reason' in object || object.kind === 'ModelService') {
    const manifest = validateManifest(document, problems);
    if (manifest) manifests.push(manifest);
    return;
  }
  objects.push(object);
}

/** Could listItems find items in this value? Only in a mapping whose kind ends in "List". */
function mayBeList(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const kind = value.kind;
  return typeof kind === 'string' && kind.endsWith('List');
}

/** What running the rules over every service gave: findings, and per service (by index) what counted. */
interface CheckedServices {
  readonly findings: Finding[];
  readonly suppressed: Finding[];
  /** The findings (not the suppressed ones) by severity. */
  readonly counts: Record<Severity, number>;
  /**
   * Which rules judged something of which service: `counted[service * rules + rule]` is 1 (service
   * and rule by their positions in the run). One flag array for the run, not a Set of ids per service.
   */
  readonly counted: Uint8Array;
  /** Per service, its model server's load time (undefined without one). */
  readonly loadTimes: (NonNullable<ServiceSummary['loadTime']> | undefined)[];
  /** Per object with findings, the paths found in it so far (see `locate`): for this run only. */
  readonly located: Map<K8sObject, ObjectFindings>;
}

/** Runs every enabled rule over every service, and estimates each model server's load time. */
function checkServices(
  services: readonly ModelService[],
  rules: readonly EnabledRule[],
  options: CheckOptions,
  config: Config,
): CheckedServices {
  const checked: CheckedServices = {
    findings: [],
    suppressed: [],
    counts: { error: 0, warning: 0, info: 0 },
    counted: new Uint8Array(services.length * rules.length),
    loadTimes: [],
    located: new Map(),
  };
  const now = options.now ?? new Date();
  const deployRecordsByDir: DeployRecordsByDir = { records: new Map(), dirs: new Map() };
  const readsLoadTests = rules.some((r) => r.rule.id === 'load-test-evidence');
  // Pushed, not mapped: an inlined map() in optimized code makes an array of another elements kind
  // than the builtin's, and runRules would deoptimize on it in the next run ("wrong map").
  const runs: RuleRun[] = [];
  for (const enabled of rules) runs.push(new RuleRun(enabled, services, now, checked));
  const readers = new KindReaders(rules.map((r) => r.rule));
  for (let s = 0; s < services.length; s++) {
    const service = services[s]!;
    const manifestFile = service.manifest?.source.file;
    // With room for its load-time estimates (estimateLoadTime keeps them there), in the same literal
    // so every evidence object has one shape.
    const evidence: RuleContext['evidence'] & EstimateMemo = {
      estimates: undefined,
      estimated: 0,
      loadtests:
        manifestFile && manifestFile !== '<stdin>' && readsLoadTests
          ? loadReports(options.cwd, manifestFile, config.loadtest.reports)
          : [],
      deploys: deployRecordsFor(options.cwd, service, deployRecordsByDir),
      maxAgeDays: config.loadtest.maxAgeDays,
    };
    const modelView = modelServersView(service);
    checked.loadTimes.push(modelView ? loadTimeOf(modelView, evidence, now) : undefined);
    // A rule counts for a service when it reports something, or when the service holds something it
    // reads (else its silence proves nothing).
    readers.mark(checked.counted, s * runs.length, service, modelView);
    runRules(runs, service, modelView, evidence, checked.counted, s * runs.length);
  }
  return checked;
}

/** The load time of the service's first long-running serving container, as the summary shows it. */
function loadTimeOf(
  modelView: ModelService,
  evidence: RuleContext['evidence'],
  now: Date,
): NonNullable<ServiceSummary['loadTime']> | undefined {
  // Indexed: for-of over the list allocates an iterator result per container while this is unoptimized.
  let serving: ContainerRef | undefined;
  const containers = modelView.servingContainers();
  for (let i = 0; i < containers.length; i++)
    if (!modelView.workloadOf(containers[i]!.workload)?.batch) {
      serving = containers[i];
      break;
    }
  if (!serving) return undefined;
  const load = estimateLoadTime({ service: modelView, evidence, now }, serving);
  return {
    seconds: Math.round((load.seconds + load.beforeStartSeconds) * 10) / 10,
    confidence: load.confidence,
    source: load.source,
    arithmetic: load.arithmetic,
    notes: load.notes.length === 0 ? [] : [...load.notes],
  };
}

/** Every rule over one service; flags (from `offset`, by rule) the rules that reported something of it. */
function runRules(
  runs: readonly RuleRun[],
  service: ModelService,
  modelView: ModelService | undefined,
  evidence: RuleContext['evidence'],
  counted: Uint8Array,
  offset: number,
): void {
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    const view = run.modelServersOnly ? modelView : service;
    if (view !== undefined && run.runOn(view, evidence)) counted[offset + i] = 1;
  }
}

/** Findings in file, line, column, rule and message order; problems by file and line. */
function sortResults(findings: Finding[], suppressed: Finding[], problems: InputProblem[]): void {
  findings.sort(compareFindings);
  suppressed.sort(compareFindings);
  problems.sort(compareProblems);
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    compareText(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.message, b.message)
  );
}

function compareProblems(a: InputProblem, b: InputProblem): number {
  return compareText(a.file, b.file) || (a.line ?? 0) - (b.line ?? 0);
}

function summarizeServices(
  services: readonly ModelService[],
  findings: readonly Finding[],
  ruleMetas: readonly RuleMeta[],
  checked: CheckedServices,
): ServiceSummary[] {
  const findingsByService = new Map<string, Finding[]>();
  // The work per finding in a small function: this loop runs once per run, unoptimized in the second.
  for (let i = 0; i < findings.length; i++) byService(findingsByService, findings[i]!);
  const none: readonly Finding[] = [];
  const summaries: ServiceSummary[] = [];
  for (let i = 0; i < services.length; i++) {
    const service = services[i]!;
    summaries.push(
      summarizeService(
        service,
        findingsByService.get(service.name) ?? none,
        ruleMetas,
        checked.counted,
        i * ruleMetas.length,
        checked.loadTimes[i],
      ),
    );
  }
  return summaries;
}

/** Adds a finding to its service's list. */
function byService(lists: Map<string, Finding[]>, finding: Finding): void {
  const list = lists.get(finding.service);
  if (list) list.push(finding);
  else lists.set(finding.service, [finding]);
}

/**
 * Deploy records (`mlready deploy --save`) beside the service's manifest, or beside its workloads'
 * files when it has none: measured start-up times that replace estimates.
 */
function deployRecordsFor(
  cwd: string,
  service: ModelService,
  known: DeployRecordsByDir,
): readonly LoadedDeployRecord[] {
  // Per service of a run, without closures or lists for the usual case: a service whose files share
  // one directory (the manifest's, or its workloads') gets that directory's list as it is. Other
  // directories, in the order their first file comes, are kept only when there are some.
  let firstDir: string | undefined;
  let firstFile = '';
  let dirs: string[] | undefined;
  let files: string[] | undefined;
  const manifest = service.manifest;
  const count = manifest ? 1 : service.workloads.length;
  for (let i = 0; i < count; i++) {
    const file = manifest ? manifest.source.file : service.workloads[i]!.object.source.file;
    if (file === '<stdin>') continue;
    // The same few files hold thousands of services: dirname() once per file and run.
    let dir = known.dirs.get(file);
    if (dir === undefined) known.dirs.set(file, (dir = dirname(file)));
    if (firstDir === undefined) {
      firstDir = dir;
      firstFile = file;
    } else if (dir !== firstDir && !dirs?.includes(dir)) {
      (dirs ??= []).push(dir);
      (files ??= []).push(file);
    }
  }
  if (firstDir === undefined) return [];
  const first = recordsIn(cwd, firstDir, firstFile, known);
  if (!dirs || !files) return first;
  const lists = [first];
  for (let i = 0; i < dirs.length; i++) lists.push(recordsIn(cwd, dirs[i]!, files[i]!, known));
  return lists.flat();
}

/** One glob per directory and run: thousands of services in one directory share the same records. */
function recordsIn(
  cwd: string,
  dir: string,
  file: string,
  known: DeployRecordsByDir,
): readonly LoadedDeployRecord[] {
  let records = known.records.get(dir);
  if (!records) known.records.set(dir, (records = loadDeployRecords(cwd, file)));
  return records;
}

/** Deploy records by directory, and the directory of each file, for one run. */
interface DeployRecordsByDir {
  readonly records: Map<string, readonly LoadedDeployRecord[]>;
  readonly dirs: Map<string, string>;
}

/**
 * What model-specific rules see: the model servers and what belongs to them, without the
 * supporting workloads. Undefined when the service has neither a model server nor a manifest.
 */
export function modelServersView(service: ModelService): ModelService | undefined {
  if (service.modelServers.length === 0 && !service.manifest) return undefined;
  if (service.supporting.length === 0) return service;
  const hidden = new Set(service.supporting.map((w) => w.object));
  const objects = service.objects.filter((o) => !hidden.has(o));
  let all: readonly ContainerRef[] | undefined;
  return serviceOf({
    name: service.name,
    manifest: service.manifest,
    objects,
    workloads: service.modelServers,
    modelServers: service.modelServers,
    supporting: [],
    unread: service.unread,
    ofKind: kindIndex(objects),
    // The service's functions are closures made by groupServices: none reads `this`.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    modelServerReason: service.modelServerReason,
    servingContainers: (w) =>
      w
        ? service.servingContainers(w)
        : (all ??= Object.freeze(service.modelServers.flatMap((x) => service.servingContainers(x)))),
    // eslint-disable-next-line @typescript-eslint/unbound-method
    workloadOf: service.workloadOf,
  });
}

function summarizeService(
  service: ModelService,
  findings: readonly Finding[],
  rules: readonly RuleMeta[],
  countedFlags: Uint8Array,
  countedOffset: number,
  loadTime: ServiceSummary['loadTime'],
): ServiceSummary {
  // Summarised for every service of a run (2 000 calls on a large input, too few for V8 to optimize
  // a large function before the second run ends): each list in one pass, and the texts only other
  // roles than 'model' need in functions of their own, so this one stays small.
  const notChecked = refsOf(service.unread);
  const workloads = service.workloads;
  let templatesOnly = workloads.length > 0;
  for (let i = 0; i < workloads.length; i++) {
    const w = workloads[i]!;
    if (w.unread.length > 0) notChecked.push(w.object.ref);
    if (w.info.role !== 'runtime-template') templatesOnly = false;
  }
  const supportingWorkloads: string[] = [];
  const batchJobs: string[] = [];
  for (let i = 0; i < service.supporting.length; i++) {
    const w = service.supporting[i]!;
    (w.batch ? batchJobs : supportingWorkloads).push(w.object.ref);
  }
  const role = roleOf(service, templatesOnly);
  const objects = refsOf(service.objects);
  const judged =
    role === 'not-checked' ||
    (role === 'model' && (service.workloads.length > 0 || service.unread.length > 0));
  // One object literal for every role, so every summary has one shape (absent fields are undefined,
  // which JSON leaves out, as the spreads it replaces did).
  return {
    name: service.name,
    manifest: service.manifest?.source.file,
    objects,
    role,
    modelServers: modelServersOf(service),
    supportingWorkloads,
    batchJobs,
    notChecked,
    traffic: trafficShares(service),
    readiness: judged
      ? computeReadiness(findings, rules, { countedFlags, countedOffset, notChecked })
      : undefined,
    missing: judged ? undefined : missingText(role, service, supportingWorkloads, objects),
    loadTime: role === 'model' ? loadTime : undefined,
  };
}

function roleOf(service: ModelService, templatesOnly: boolean): ServiceSummary['role'] {
  if (templatesOnly && !service.manifest) return 'template';
  if (service.modelServers.length > 0 || service.manifest) return 'model';
  if (service.unread.length > 0) return 'not-checked';
  return service.workloads.length > 0 ? 'supporting' : 'no-workload';
}

/** Why a service without a readiness score has none. */
function missingText(
  role: ServiceSummary['role'],
  service: ModelService,
  supportingWorkloads: readonly string[],
  objects: readonly string[],
): string {
  switch (role) {
    case 'model':
      return `no workload: ${service.manifest?.source.file ?? 'the manifest'} names no Deployment, InferenceService or other workload in the input that serves ${service.name}`;
    case 'template':
      return `a serving runtime template: its container was checked; readiness is judged on the InferenceServices that run on it`;
    case 'supporting':
      return `no model server: ${supportingWorkloads.join(', ')} ${supportingWorkloads.length === 1 ? 'is a supporting workload' : 'are supporting workloads'} (no model-server image, accelerator, ${MODEL_LABEL} label, serving kind or mlready.yaml)`;
    default:
      return `no workload: ${objects.join(', ')} ${objects.length === 1 ? 'needs' : 'need'} the workload that serves the model (a Deployment, InferenceService, RayService, …) in the same input to be judged`;
  }
}

/** The objects' refs ("Kind/name"), in order: a loop, no closure per service. */
function refsOf(objects: readonly K8sObject[]): string[] {
  const refs: string[] = [];
  for (let i = 0; i < objects.length; i++) refs.push(objects[i]!.ref);
  return refs;
}

/** The summary's model servers, each with why it counts as one (a loop: no closure per service). */
function modelServersOf(service: ModelService): ServiceSummary['modelServers'] {
  const workloads = service.modelServers;
  const out: ServiceSummary['modelServers'] = [];
  for (let i = 0; i < workloads.length; i++) {
    const w = workloads[i]!;
    out.push({ object: w.object.ref, reason: service.modelServerReason(w) ?? '' });
  }
  return out;
}

function validateManifest(document: SourceDocument, problems: InputProblem[]): ManifestObject | undefined {
  const schemaProblems = validateAgainst('mlready.schema.json', document.value);
  if (schemaProblems.length > 0) {
    for (const problem of schemaProblems) {
      const pos = document.positionOf(problem.path, { key: problem.atKey === true });
      problems.push({ file: document.file, line: pos.line, column: pos.column, message: problem.message });
    }
    return undefined;
  }
  const manifest = document.value as ModelManifest;
  const info = kindById('ModelService')!;
  return {
    kind: 'ModelService',
    type: info.id,
    info,
    apiVersion: manifest.apiVersion,
    name: manifest.metadata.name,
    namespace: manifest.metadata.namespace,
    raw: document.value as Record<string, unknown>,
    source: document,
    ref: `ModelService/${manifest.metadata.name}`,
    manifest,
  };
}

interface EnabledRule {
  rule: Rule;
  /** The rule's effective default severity. */
  severity: Severity;
  /** Set when .mlready.yaml fixes the severity, overriding per-finding severities too. */
  configured: Severity | undefined;
  /** The config's options over the rule's defaults, merged once per run. */
  options: Readonly<Record<string, unknown>>;
}

function enabledRules(config: Config, only: readonly string[] | undefined): EnabledRule[] {
  const out: EnabledRule[] = [];
  for (const rule of RULES.values()) {
    if (only && !only.includes(rule.id)) continue;
    const setting = config.rules[rule.id]?.severity;
    if (setting === 'off') continue;
    const configured = config.rules[rule.id]?.options;
    // Without options in .mlready.yaml the rule gets its own defaults object, the same in every run:
    // a fresh object per run has a fresh hidden class, and a rule's optimized check() reading an option
    // would deoptimize on it at every run.
    const options = configured
      ? Object.freeze({ ...rule.defaultOptions, ...configured })
      : Object.freeze(rule.defaultOptions ?? NO_OPTIONS);
    out.push({ rule, severity: setting ?? rule.severity, configured: setting, options });
  }
  return out;
}

/**
 * One enabled rule for one run. Its context object and `report` function are made once and reused
 * for every service (110 000 invocations on a large input instead of as many contexts and closures):
 * every rule reads its context when check() starts, and findings name the service being checked.
 */
class RuleRun {
  readonly rule: Rule;
  /**
   * The rule's check(), read once: every RuleRun has one shape, so reading it here is monomorphic,
   * where `rule.check` reads it from 55 rule objects of as many shapes. Called with the rule as `this`.
   */
  private readonly check: Rule['check'];
  readonly modelServersOnly: boolean;
  private readonly context: {
    service: ModelService;
    services: readonly ModelService[];
    evidence: RuleContext['evidence'];
    now: Date;
    options: Readonly<Record<string, unknown>>;
    report: (report: Report) => void;
  };
  private readonly configured: Severity | undefined;
  /** The rule's id, default severity, section and fix, read once per run for its findings. */
  private readonly ruleId: string;
  private readonly severity: Severity;
  private readonly section: Rule['section'];
  private readonly fix: string;
  private readonly sink: CheckedServices;
  private reported = false;

  constructor(enabled: EnabledRule, services: readonly ModelService[], now: Date, sink: CheckedServices) {
    this.rule = enabled.rule;
    // eslint-disable-next-line @typescript-eslint/unbound-method
    this.check = enabled.rule.check;
    this.modelServersOnly = enabled.rule.appliesTo === 'model-servers';
    this.configured = enabled.configured;
    this.ruleId = enabled.rule.id;
    this.severity = enabled.rule.severity;
    this.section = enabled.rule.section;
    this.fix = enabled.rule.docs.fix;
    this.sink = sink;
    this.context = {
      service: services[0]!,
      services,
      evidence: NO_EVIDENCE,
      now,
      options: enabled.options,
      report: (report) => this.report(report),
    };
  }

  /** Runs the rule over one service (or its model-servers view); true when it reported something. */
  runOn(service: ModelService, evidence: RuleContext['evidence']): boolean {
    this.context.service = service;
    this.context.evidence = evidence;
    this.reported = false;
    this.check.call(this.rule, this.context);
    return this.reported;
  }

  private report(report: Report): void {
    // The rule's fields were read once per run (`rule.id` here would read it from one of ~55 rule
    // shapes per finding); the report's own fields once each.
    const object = report.object;
    const found = locate(this.sink.located, object, report.path);
    const finding: Finding = {
      ruleId: this.ruleId,
      severity: this.configured ?? report.severity ?? this.severity,
      section: this.section,
      message: report.message,
      fix: report.fix ?? this.fix,
      file: object.source.file,
      line: found.line,
      column: found.column,
      endLine: found.endLine,
      endColumn: found.endColumn,
      path: found.display,
      object: object.ref,
      service: this.context.service.name,
    };
    this.reported = true;
    // Nearly every object ignores nothing: its set is the shared empty one, not asked.
    const ignored = found.ignored;
    if (ignored.size !== 0 && ignored.has(this.ruleId)) this.sink.suppressed.push(finding);
    else {
      this.sink.findings.push(finding);
      this.sink.counts[finding.severity]++;
    }
  }
}

const NO_OPTIONS: Readonly<Record<string, unknown>> = Object.freeze({});

const NO_EVIDENCE: RuleContext['evidence'] = Object.freeze({ loadtests: [], deploys: [], maxAgeDays: 0 });

/** localeCompare's order; equal strings (most files and rule ids of neighbouring findings) skip the collator. */
function compareText(a: string, b: string): number {
  return a === b ? 0 : (collator ??= new Intl.Collator()).compare(a, b);
}

/**
 * One collator for every sort of the process: the same order as localeCompare, without its per-call
 * set-up; and the same compare function in every run, so the optimized sort's call target stays right
 * (a collator per run deoptimized it at each run). Made on first use: a run without findings needs none.
 */
let collator: Intl.Collator | undefined;

function isKubernetesObject(value: unknown): boolean {
  return isRecord(value) && typeof value.kind === 'string';
}

/** A Helm values file as an object of its own, so secret rules can read it. */
function helmValuesObject(document: SourceDocument): K8sObject {
  return {
    kind: 'HelmValues',
    type: HELM_VALUES.id,
    info: HELM_VALUES,
    apiVersion: '',
    name: document.file,
    namespace: undefined,
    raw: isRecord(document.value) ? document.value : { value: document.value },
    source: document,
    ref: `HelmValues/${document.file}`,
  };
}
