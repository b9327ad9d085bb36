import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ClusterError, isMlreadyError } from '../errors.js';
import { VERSION } from '../version.js';
import { ExitCode } from './exit-codes.js';
import { gateOutput } from './gate.js';
import type { DeployFlags, RollbackFlags, StatusFlags } from './commands/deploy.js';
import type { DriftFlags, ProfileFlags } from './commands/drift.js';
import type { LoadtestFlags } from './commands/loadtest.js';
import type { InitFlags } from './commands/init.js';
import type { ScaffoldFlags } from './commands/scaffold.js';
import type { CliIO } from './io.js';

/** Output formats of `check`; src/formatters/index.ts holds the same names (a test keeps them equal). */
export const CHECK_FORMATS = ['github', 'json', 'junit', 'sarif', 'text'] as const;
/** Runtimes, as src/scaffold/profiles.ts names them (a test keeps them equal). */
export const RUNTIME_CHOICES = ['custom', 'tfserving', 'tgi', 'torchserve', 'triton', 'vllm'] as const;

/**
 * Runs the mlready CLI and returns its exit code. Commands are lazy-imported so `--help` and
 * `check` never load the Kubernetes client or the prompt library.
 */
export async function runCli(ungated: CliIO): Promise<number> {
  const io = gateOutput(ungated);
  let exitCode: number = ExitCode.Ok;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command('mlready')
    .description(
      'Stop ML models from failing in production: lint, scaffold, load-test, drift-check and roll out model services.',
    )
    .version(VERSION, '-V, --version')
    .option('--debug', 'show stack traces and internal detail (never secret values)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(s),
    });
  // A library's warning is detail for --debug, and leaves through the gate like everything else.
  io.onWarning?.((warning) => {
    if (program.opts<{ debug?: boolean }>().debug === true)
      io.stderr(`debug: ${warning.name}: ${warning.message}\n`);
  });

  program
    .command('check')
    .description(
      'lint mlready.yaml and the Kubernetes YAML of model services against the production-readiness checklist',
    )
    .argument('[paths...]', 'files, directories, globs, or - for standard input', ['.'])
    .addOption(new Option('-f, --format <format>', 'output format').choices(CHECK_FORMATS).default('text'))
    .option('-o, --output-file <file>', 'write the report to a file instead of standard output')
    .addOption(
      new Option('--fail-on <level>', 'lowest severity that fails the run (exit 1)').choices([
        'error',
        'warning',
      ]),
    )
    .option('--max-warnings <n>', 'fail when there are more warnings than this', parseCount)
    .option(
      '-c, --config <file>',
      'config file (default: .mlready.yaml found upward from the current directory)',
    )
    .option('--no-config', 'ignore .mlready.yaml')
    .option(
      '--staged',
      'check the staged (git index) versions of changed YAML files and their model services',
    )
    .option('--rule <ids...>', 'run only these rules')
    .action(async (paths: string[], options: Record<string, unknown>) => {
      const { checkCommand } = await import('./commands/check.js');
      setExit(await checkCommand(io, paths, options));
    });

  program
    .command('init')
    .description('write mlready.yaml: asks on a terminal, or takes flags with --yes (CI never hangs)')
    .option('-y, --yes', 'take flags and defaults, ask nothing')
    .option('-f, --force', 'overwrite an existing manifest')
    .option('-o, --output <file>', 'where to write the manifest', 'mlready.yaml')
    .option('--runtime <runtime>', `serving runtime: ${RUNTIME_CHOICES.join(', ')}`)
    .option('--model <id>', 'model name or Hugging Face id')
    .option('--model-version <version>', 'the model version being released')
    .option('--name <name>', 'service name (default: from the model)')
    .option('--image <image>', 'serving image, pinned')
    .option('--uri <uri>', 'where the weights live, pinned (hf://org/model@rev, s3://…/1.0.0/)')
    .option('--gpus <n>', 'GPUs per replica', parseCount)
    .option('--gpu-type <type>', 'GPU type (node label value)')
    .option('--cpu <quantity>', 'CPU per replica')
    .option('--memory <quantity>', 'memory per replica')
    .option('--min-replicas <n>', 'minimum replicas', parseCount)
    .option('--max-replicas <n>', 'maximum replicas', parseCount)
    .option('--p95-ms <ms>', 'latency SLO, p95 in milliseconds', parseNumber)
    .option('--error-rate <fraction>', 'error-rate SLO, e.g. 0.01', parseNumber)
    .option('--drift-features <list>', 'comma-separated features to watch for drift')
    .option('--drift-warn <psi>', 'drift warning threshold', parseNumber)
    .option('--drift-critical <psi>', 'drift critical threshold', parseNumber)
    .addOption(
      new Option('--rollout <strategy>', 'rollout strategy').choices(['rolling', 'canary', 'blue-green']),
    )
    .option('--dataset <uri>', 'lineage: the training dataset')
    .option('--dataset-version <version>', 'lineage: the dataset version')
    .option('--training-run <id>', 'lineage: experiment-tracker run id or URL')
    .option('--code-commit <sha>', 'lineage: the training code commit')
    .option('--hyperparameters <uri>', 'lineage: where the hyperparameters are recorded')
    .option('--tooling-image <ref>', "mlready's own image for the drift and load-test jobs, pinned")
    .action(async (options: Record<string, unknown>) => {
      const { initCommand } = await import('./commands/init.js');
      setExit(await initCommand(io, options as unknown as InitFlags));
    });

  program
    .command('scaffold')
    .description('render a serving container and Kubernetes YAML from mlready.yaml (templates/)')
    .option('-m, --manifest <file>', 'the model manifest', 'mlready.yaml')
    .option('--out <dir>', "output directory (default: the manifest's directory)")
    .addOption(
      new Option('--target <target>', 'what serves the model')
        .choices(['kubernetes', 'kserve'])
        .default('kubernetes'),
    )
    .addOption(
      new Option('--canary <mesh>', 'traffic split for canaries').choices(['none', 'istio']).default('none'),
    )
    .addOption(new Option('--autoscaler <kind>', 'HPA or KEDA').choices(['hpa', 'keda']).default('hpa'))
    .option('--templates <dir>', 'your templates, overriding the built-in ones of the same path')
    .option('--dry-run', 'print the files instead of writing them')
    .option('-f, --force', 'overwrite files you edited')
    .action(async (options: Record<string, unknown>) => {
      const { scaffoldCommand } = await import('./commands/scaffold.js');
      setExit(scaffoldCommand(io, options as unknown as ScaffoldFlags));
    });

  program
    .command('loadtest')
    .description(
      'load-test a model endpoint against its SLO (OpenAI streaming, KServe v2, TF Serving, TorchServe, HTTP JSON); exit 1 when the SLO breaks or the run is partial, 130 on Ctrl-C',
    )
    .argument(
      '[url]',
      'the endpoint, e.g. http://127.0.0.1:8000 (the protocol picks the path unless the URL has one)',
    )
    .option(
      '-m, --manifest <file>',
      'the model manifest: protocol, model name, SLO, image, version and cost for the report',
    )
    .addOption(
      new Option('--protocol <protocol>', 'request protocol (default: from the manifest)').choices([
        'openai',
        'kserve-v2',
        'tfserving',
        'torchserve',
        'http',
      ]),
    )
    .option('--model <name>', 'model name in the request/URL (default: the manifest name)')
    .addOption(
      new Option('--endpoint <endpoint>', 'OpenAI endpoint').choices(['chat', 'completions']).default('chat'),
    )
    .option('--no-stream', 'OpenAI: do not stream (no TTFT/TPOT)')
    .option(
      '--rate <n>',
      'open loop: requests per second, sent on schedule whatever the latency',
      parseNumber,
    )
    .option('--poisson', 'open loop: Poisson arrivals (the same as --burstiness 1)')
    .option(
      '--burstiness <k>',
      'open loop: gamma inter-arrivals of this shape (1 Poisson, below 1 burstier, above 1 more even)',
      parseNumber,
    )
    .option(
      '--max-concurrency <n>',
      'open loop: at most this many in flight; the rest wait on the client (reported as client_queue)',
      parseCount,
    )
    .option('--ramp <stages>', 'open loop stages, e.g. 30s:5,60s:20')
    .option('--concurrency <n>', 'closed loop: this many requests in flight', parseCount)
    .option(
      '--sweep <start:step:max>',
      'raise the rate step by step (or a list: 1,2,4) until the knee or an SLO breach; each step lasts --duration',
    )
    .option(
      '--sweep-concurrency <list>',
      'raise the concurrency step by step (1,2,4,8 or start:step:max) until throughput stops growing or the SLO breaks',
    )
    .addOption(
      new Option(
        '--profile <profile>',
        'throughput: a max-throughput run (closed loop at --max-concurrency, default 256)',
      ).choices(['throughput']),
    )
    .option('--duration <duration>', 'how long to send (each sweep step), e.g. 60s')
    .option('--requests <n>', 'stop after this many requests', parseCount)
    .option('--warmup <duration>', 'leading time excluded from the statistics', '0s')
    .option('--timeout <duration>', 'per-request timeout', '60s')
    .option('--prompt <text>', 'OpenAI: the prompt (default: the bundled prompt set)')
    .option('--body <json>', 'request body (JSON)')
    .option(
      '--dataset <file>',
      'requests from ShareGPT or OpenAI-messages JSON/JSONL (multi-turn: one request per turn), or "builtin"',
    )
    .option(
      '--payload-file <file>',
      'requests from a JSON array or JSONL file, in order (same formats as --dataset)',
    )
    .option('--sample', 'with --dataset/--payload-file: sample requests at random instead of in order')
    .option('--input-tokens <spec>', 'synthetic prompts: 128, uniform:64-256 or normal:128,32 tokens')
    .option('--output-tokens <spec>', 'synthetic prompts: max_tokens distribution')
    .option(
      '--tokenizer <file>',
      'a Hugging Face tokenizer.json: exact input and output token counts when the server reports no usage',
    )
    .option('--seed <n>', 'seed for random arrivals, sampling and synthetic prompts', parseCount, 1)
    .option(
      '--slo <expr>',
      "SLO, e.g. 'p95<100ms,error_rate<1%,ttft_p95<500ms,cost_per_1k<0.5' (default: the manifest's slo; error_rate<1% applies when none is named)",
    )
    .option('--min-requests <n>', 'fewer measured requests make the run partial (exit 1)', parseCount)
    .option('--strict', 'a saturated load generator fails the run (exit 1)')
    .option(
      '--cost-per-hour <usd>',
      'price of the serving hardware per hour: cost per 1 000 requests and per million output tokens (default: resources.costPerHour)',
      parseNumber,
    )
    .option('--metrics-url <url>', 'Prometheus endpoint to scrape during the run (repeatable)', collect, [])
    .option('--header <header>', 'extra request header "Name: value" (repeatable)', collect, [])
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['text', 'json', 'csv', 'html'])
        .default('text'),
    )
    .option(
      '--save [file]',
      'save the report (default .mlready/loadtest/<date>-<service>-<version>.json beside the manifest)',
    )
    .option('--baseline <report>', 'fail on a regression against a saved report')
    .option('--tolerance <fraction>', 'allowed regression against the baseline', parseNumber, 0.1)
    .option('--image <image>', 'the image under test, recorded in the report (default: the manifest)')
    .option('--force', 'allow rates above 5000/s or concurrency above 1000')
    .option(
      '--max-connections <n>',
      'most connections open at once; the pool grows to what the schedule needs, up to this (default 1024)',
      parseCount,
    )
    .option('--max-body-bytes <size>', 'largest response body, e.g. 64MiB (default 64MiB)')
    .option('--max-sse-line-bytes <size>', 'longest Server-Sent Events line (default 1MiB)')
    .option('--max-header-bytes <size>', 'largest response header block (default 64KiB)')
    .option('--workers <n>', 'run the load from N worker processes (with --kubernetes: N pods)', parseCount)
    .option('--kubernetes', 'run the workers as an Indexed Job in the cluster (needs spec.tooling.image)')
    .option(
      '--namespace <namespace>',
      '--kubernetes: namespace of the Job (default: the manifest, else default)',
    )
    .option('--context <context>', '--kubernetes: kubeconfig context')
    .option('--kubeconfig <file>', '--kubernetes: kubeconfig file')
    .option('--header-secret <name>', '--kubernetes: a Secret whose keys are request headers (credentials)')
    .option('--dry-run', '--kubernetes: print the Job instead of running it')
    .addOption(new Option('--worker-count <n>').argParser(parseCount).hideHelp())
    .addOption(new Option('--worker-index <n>').argParser(parseCount).hideHelp())
    .addOption(new Option('--start-at <unix-ms>').argParser(parseCount).hideHelp())
    .action(async (url: string | undefined, options: Record<string, unknown>) => {
      const { loadtestCommand } = await import('./commands/loadtest.js');
      setExit(await loadtestCommand(io, url, options as unknown as LoadtestFlags));
    });

  const drift = program
    .command('drift')
    .description(
      'measure per-feature data drift between reference and current data, judged by sample size; exit 1 on critical drift',
    )
    .option(
      '-r, --reference <file>',
      'reference data (CSV, JSONL, JSON array, Parquet) or a profile from `mlready drift profile`',
    )
    .option('-c, --current <file>', 'current production data')
    .option('-m, --manifest <file>', 'the model manifest (default: ./mlready.yaml when present)')
    .option('--model <name>', 'the model label for metrics, without a manifest')
    .option(
      '--features <list>',
      'comma-separated feature columns (default: monitoring.drift.features, else all)',
    )
    .option('--prediction <column>', 'the prediction column, for prediction drift')
    .addOption(
      new Option(
        '--method <method>',
        'the distance judged on large samples (default: manifest, else psi)',
      ).choices(['psi', 'ks', 'js']),
    )
    .option(
      '--warn <value>',
      'warning threshold of the distance (default: manifest, else PSI 0.1)',
      parseNumber,
    )
    .option(
      '--critical <value>',
      'critical threshold of the distance (default: manifest, else PSI 0.25)',
      parseNumber,
    )
    .option(
      '--dataset-share <fraction>',
      'share of drifted features that makes the dataset drifted (default 0.5)',
      parseNumber,
    )
    .option(
      '--min-rows <n>',
      'fewer rows with a value: insufficient data, no verdict (default 100)',
      parseCount,
    )
    .option(
      '--significance <alpha>',
      'significance level of the small-sample tests (default 0.05)',
      parseNumber,
    )
    .option('--missing-warn <share>', 'missing-rate increase that warns (default 0.05)', parseNumber)
    .option('--missing-critical <share>', 'missing-rate increase that is critical (default 0.2)', parseNumber)
    .option('--bins <n>', 'quantile bins for numeric PSI, 2–100 (default 10)', parseCount)
    .option('--max-categories <n>', 'categories kept per feature (default 1000)', parseCount)
    .option('--memory-limit <size>', 'memory limit of the drift engine, e.g. 512MB (default 512MB)')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['text', 'json', 'html', 'prometheus'])
        .default('text'),
    )
    .option('--output-file <file>', 'write the report to a file')
    .option(
      '--push <url>',
      'push the metrics to a Prometheus Pushgateway (user:password@ becomes Basic auth)',
    )
    .option(
      '--on-critical <url>',
      'call this retraining webhook on critical drift (or env:NAME to read the URL from the environment)',
    )
    .option('--webhook-token-file <file>', 'bearer token for the webhook (default: $MLREADY_WEBHOOK_TOKEN)')
    .action(async (options: Record<string, unknown>) => {
      const { driftCommand } = await import('./commands/drift.js');
      setExit(await driftCommand(io, options as unknown as DriftFlags));
    });
  drift
    .command('profile')
    .description(
      'save a reference profile (exact quantile knots, categories, missing rates, row count, data hash); several files are read as one dataset',
    )
    .argument(
      '<data...>',
      'reference data (CSV, JSONL, JSON array, Parquet), one or more files of one format',
    )
    .option('-o, --output <file>', 'where to write the profile (JSON)')
    .option('-m, --manifest <file>', 'the model manifest (default: ./mlready.yaml when present)')
    .option('--features <list>', 'comma-separated feature columns')
    .option('--prediction <column>', 'the prediction column')
    .option('--bins <n>', 'quantile bins for numeric PSI, 2–100 (default 10)', parseCount)
    .option('--max-categories <n>', 'categories kept per feature (default 1000)', parseCount)
    .option('--memory-limit <size>', 'memory limit of the drift engine, e.g. 512MB (default 512MB)')
    .action(async (data: string[], _options: ProfileFlags, command: Command) => {
      const { driftProfileCommand } = await import('./commands/drift.js');
      // Commander hands options that drift also declares (--bins, --features, …) to drift, even after
      // `profile`: read them from both.
      setExit(await driftProfileCommand(io, data, command.optsWithGlobals<ProfileFlags>()));
    });
  drift
    .command('merge')
    .description('merge profiles of shards of one dataset (from parallel `drift profile` runs) into one')
    .argument('<profiles...>', 'profiles written by `mlready drift profile`')
    .option('-o, --output <file>', 'where to write the merged profile (JSON)')
    .action(async (profiles: string[], options: { output?: string }) => {
      const { driftMergeCommand } = await import('./commands/drift.js');
      setExit(driftMergeCommand(io, profiles, options));
    });

  const clusterOptions = (command: Command) =>
    command
      .option(
        '--kubeconfig <file>',
        'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else in-cluster)',
      )
      .option('--context <name>', 'kubeconfig context')
      .option('-n, --namespace <name>', 'namespace (default: the manifest, the objects, else the context)')
      .addOption(
        new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'),
      )
      .option('--ci', 'no spinner: one line per event (the default without a terminal)');
  const debugOf = () => program.opts<{ debug?: boolean }>().debug === true;

  clusterOptions(
    program
      .command('deploy')
      .description(
        'apply a model service with server-side apply, watch the rollout, fail fast, roll back automatically',
      )
      .argument('[paths...]', 'files and directories of the service (Kubernetes YAML and mlready.yaml)', [
        '.',
      ]),
  )
    .option('--image <ref>', "replace the serving container's image")
    .option('--timeout <duration>', 'give up on a rollout after this long', '15m')
    .option('--dry-run', 'ask the API server what would change (dryRun=All); change nothing')
    .option('--skip-check', 'deploy even when mlready check finds errors (loudly)')
    .option('--force-conflicts', 'take over fields another field manager owns')
    .option('--no-rollback', 'keep a failed rollout as it is instead of rolling back')
    .option('--change-cause <text>', 'recorded in the revision history (default: model and version)')
    .option(
      '--prometheus-url <url>',
      'Prometheus for canary analysis (default: spec.rollout.analysis.prometheusUrl)',
    )
    .option(
      '--step-duration <duration>',
      'canary step length (default: spec.rollout.canary.stepDuration, else 5m); shadow window; blue-green warm window when --warm-window is not given (deprecated there)',
    )
    .option(
      '--pre-switch-window <duration>',
      'blue-green: how long green is analysed on mirrored live traffic before the switch (default: spec.rollout.blueGreen.preSwitchWindow, else 5m)',
    )
    .option(
      '--warm-window <duration>',
      'blue-green: how long blue stays warm after the switch (default: spec.rollout.blueGreen.warmWindow, else 5m)',
    )
    .option(
      '--analysis-interval <duration>',
      'canary sample interval (default: spec.rollout.analysis.interval, else 30s)',
    )
    .option(
      '--pending-grace <duration>',
      'how long a new pod may stay unschedulable once nothing is terminating, scaling up or preempting (default 20s)',
    )
    .option(
      '--save [file]',
      'also write the release record (measured pod start-up times) to .mlready/deploy/ beside the manifest',
    )
    .action(async (paths: string[], options: Record<string, unknown>) => {
      const { deployCommand } = await import('./commands/deploy.js');
      setExit(await deployCommand(io, paths, options as unknown as DeployFlags, debugOf()));
    });

  clusterOptions(
    program
      .command('rollback')
      .description(
        "undo a release like kubectl rollout undo, restoring the release's other objects too; exit 1 over the rollback budget",
      )
      .argument(
        '[target...]',
        "NAME, deployment/NAME, or the service's files (default: ./mlready.yaml's service)",
        [],
      ),
  )
    .option(
      '--to-revision <n>',
      'the revision to return to (default: the newest earlier one that did not fail)',
      parseCount,
    )
    .option('--deployment <name>', 'the Deployment (same as giving NAME)')
    .option('--timeout <duration>', 'give up waiting after this long', '15m')
    .option('--budget <duration>', 'rollback budget (default: spec.rollout.rollbackBudget, else 5m)')
    .option('--force-conflicts', 'take over fields another field manager changed since the release')
    .option('--pending-grace <duration>', 'as for deploy (default 20s)')
    .action(async (paths: string[], options: Record<string, unknown>) => {
      const { rollbackCommand } = await import('./commands/deploy.js');
      setExit(await rollbackCommand(io, paths, options as unknown as RollbackFlags, debugOf()));
    });

  clusterOptions(
    program
      .command('status')
      .description('which model versions serve which share of traffic now, and whether they are ready')
      .argument(
        '[target...]',
        "NAME, deployment/NAME, or the service's files (default: ./mlready.yaml's service)",
        [],
      ),
  )
    .option('--deployment <name>', 'the Deployment or InferenceService (same as giving NAME)')
    .action(async (paths: string[], options: Record<string, unknown>) => {
      const { statusCommand } = await import('./commands/deploy.js');
      setExit(await statusCommand(io, paths, options as unknown as StatusFlags, debugOf()));
    });

  clusterOptions(
    program
      .command('history')
      .description('revisions of the Deployment with model versions, images, outcomes and change causes')
      .argument(
        '[target...]',
        "NAME, deployment/NAME, or the service's files (default: ./mlready.yaml's service)",
        [],
      ),
  )
    .option('--deployment <name>', 'the Deployment (same as giving NAME)')
    .action(async (paths: string[], options: Record<string, unknown>) => {
      const { historyCommand } = await import('./commands/deploy.js');
      setExit(await historyCommand(io, paths, options as unknown as StatusFlags, debugOf()));
    });

  program
    .command('rules')
    .description('list the rule catalogue')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['text', 'json', 'markdown'])
        .default('text'),
    )
    .action(async (options: { format: string }) => {
      const { rulesCommand } = await import('./commands/rules.js');
      setExit(rulesCommand(io, options.format));
    });

  program
    .command('explain')
    .description("print one rule's docs: what it checks, why, and how to fix it")
    .argument('<rule-id>', 'a rule id, as printed by mlready check')
    .action(async (id: string) => {
      const { explainCommand } = await import('./commands/rules.js');
      setExit(explainCommand(io, id));
    });

  try {
    await program.parseAsync([...io.argv], { from: 'user' });
  } catch (error) {
    return handleError(error, io, program.opts<{ debug?: boolean }>().debug === true);
  }
  return exitCode;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseNumber(value: string): number {
  const n = Number(value);
  // Decimal notation only: Number() also takes "", " ", "0x10" and "0b1".
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(value) || !Number.isFinite(n))
    throw new InvalidArgumentError('expected a number in decimal notation.');
  return n;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('expected a whole number ≥ 0 in decimal digits.');
  return n;
}

function handleError(error: unknown, io: CliIO, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed help, the version, or its own error message.
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    )
      return ExitCode.Ok;
    return ExitCode.CouldNotRun;
  }
  if (isMlreadyError(error)) {
    io.stderr(`error: ${error.located}\n`);
    if (error.hint) io.stderr(`hint: ${error.hint}\n`);
    if (debug && error.stack) io.stderr(`${error.stack}\n`);
    // The cluster refusing (a conflict, RBAC) or failing is a failed deploy, not a usage error; a
    // cluster that cannot be reached at all means mlready could not run.
    const unreachable = error instanceof ClusterError && error.unreachable;
    return error.code === 'CLUSTER' && !unreachable ? ExitCode.Failed : ExitCode.CouldNotRun;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`internal error in mlready ${VERSION}: ${message}\n`);
  io.stderr(
    debug && error instanceof Error && error.stack
      ? `${error.stack}\n`
      : 'This is a bug in mlready; run again with --debug and report it with the output.\n',
  );
  return ExitCode.CouldNotRun;
}
