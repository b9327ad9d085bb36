import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';
import type * as HandlebarsApi from 'handlebars';
import type { HelperOptions } from 'handlebars';
import { parseAllDocuments, stringify } from 'yaml';
import { InputError, UsageError } from '../errors.js';
import type { ModelManifest } from '../manifest/types.js';
import {
  escapeContextually,
  ESCAPE_HELPER,
  escapeFor,
  languageOf,
  TemplateValueError,
  type EscapeHash,
} from './contextual.js';
import { toJson } from './escape.js';
import { buildView, type ScaffoldOptions, type ScaffoldView } from './view.js';

/** templates/ at the package root (same relative place from src/ and dist/). */
export const TEMPLATES_DIR = new URL('../../templates/', import.meta.url);

/** Template sources by path relative to templates/ ("kubernetes/deployment.yaml.hbs"). */
export type Templates = ReadonlyMap<string, string>;

export interface RenderedFile {
  /** Relative to the output directory. */
  path: string;
  content: string;
}

/** Reads the built-in templates, overlaid by a user's directory of the same layout. */
export function loadTemplates(overlay?: string): Templates {
  const templates = new Map<string, string>();
  const read = (root: string) => {
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir).sort()) {
        const full = join(dir, entry);
        if (statSync(full).isDirectory()) walk(full);
        else if (entry.endsWith('.hbs'))
          templates.set(relative(root, full).split('\\').join('/'), readFileSync(full, 'utf8'));
      }
    };
    walk(root);
  };
  read(decodeURIComponent(TEMPLATES_DIR.pathname));
  if (overlay) {
    try {
      read(overlay);
    } catch (error) {
      throw new UsageError(
        `cannot read templates from ${overlay}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        { cause: error },
      );
    }
  }
  return templates;
}

// handlebars is CommonJS without named ESM exports; require() gives its API typed.
const Handlebars = createRequire(import.meta.url)('handlebars') as typeof HandlebarsApi;
const handlebars = Handlebars.create();
const { SafeString } = Handlebars;
handlebars.registerHelper('json', (value: unknown) => new SafeString(toJson(value)));
handlebars.registerHelper('jsonList', (value: unknown) => new SafeString(toJson(value ?? [])));
handlebars.registerHelper('toYaml', (value: unknown, indent: unknown) => {
  const pad = ' '.repeat(typeof indent === 'number' ? indent : 0);
  const text = stringify(value, { version: '1.1', lineWidth: 0 }).trimEnd();
  return new SafeString(
    text
      .split('\n')
      .map((line) => pad + line)
      .join('\n'),
  );
});
handlebars.registerHelper(ESCAPE_HELPER, function (this: unknown, value: unknown, options: HelperOptions) {
  const { lang, where, name, line } = options.hash as EscapeHash;
  if (value instanceof SafeString) return value;
  return new SafeString(escapeFor(lang, where, value, name, line));
});

/**
 * Renders the serving container and Kubernetes YAML for a manifest. Pure: same manifest, options
 * and templates give the same files, in the same order.
 */
export function renderScaffold(
  manifest: ModelManifest,
  options: ScaffoldOptions,
  templates: Templates,
): RenderedFile[] {
  if (options.target === 'kserve' && options.canary === 'istio') {
    throw new UsageError(
      '--canary istio is for --target kubernetes; KServe splits traffic itself (canaryTrafficPercent)',
    );
  }
  const view = buildView(manifest, options);
  const context = contextOf(view);
  const plan: [string, string][] = [
    ['Dockerfile', `docker/${view.runtime}.Dockerfile.hbs`],
    ...(view.runtime === 'custom'
      ? ([
          ['server.py', 'custom/server.py.hbs'],
          ['requirements.txt', 'custom/requirements.txt.hbs'],
        ] as [string, string][])
      : []),
  ];
  const k8s = (name: string) => [`k8s/${name}.yaml`, `kubernetes/${name}.yaml.hbs`] as [string, string];
  if (options.target === 'kubernetes') {
    plan.push(
      k8s('deployment'),
      k8s('service'),
      k8s(options.autoscaler === 'keda' ? 'scaledobject' : 'hpa'),
      k8s('pdb'),
      k8s('servicemonitor'),
    );
  } else {
    plan.push(k8s('inferenceservice'), k8s('pdb'), k8s('podmonitor'));
  }
  plan.push(k8s('prometheusrule'), k8s('networkpolicy'));
  if (options.canary === 'istio') plan.push(k8s('destinationrule'), k8s('virtualservice'));
  if (view.drift) plan.push(k8s('drift-cronjob'));
  for (const extra of [...templates.keys()].filter((t) => t.startsWith('extra/')).sort()) {
    plan.push([extra.slice('extra/'.length).replace(/\.hbs$/, ''), extra]);
  }
  return plan.map(([path, template]) => ({ path, content: renderOne(template, templates, context) }));
}

function renderOne(name: string, templates: Templates, context: Record<string, unknown>): string {
  const source = templates.get(name);
  if (source === undefined) throw new InputError(`template ${name} is missing from templates/`);
  const lang = languageOf(name);
  let output: string;
  try {
    const ast = escapeContextually(handlebars.parse(source), lang);
    output = handlebars.compile(ast, { strict: true, noEscape: true })(context);
  } catch (error) {
    throw templateError(name, error);
  }
  if (lang === 'yaml') {
    const problem = parseAllDocuments(output, { version: '1.1' })
      .flatMap((doc) => ('errors' in doc ? doc.errors : []))
      .at(0);
    if (problem)
      throw new InputError(
        `template ${name} rendered YAML that does not parse: ${problem.message.split('\n')[0]}`,
        { hint: 'print values with {{name}} (quoted for YAML) or {{toYaml value indent}}, not {{{name}}}' },
      );
  }
  return output;
}

function templateError(name: string, error: unknown): InputError {
  if (error instanceof TemplateValueError) {
    const at = ` (line ${error.line})`;
    if (error.reason === 'undefined')
      return new InputError(
        `template ${name} uses {{${error.variable}}}, which mlready does not provide${at}`,
        {
          hint: 'templates see the fields of the scaffold view: name, model, image, port, resources, probes, rollout, scaling, slo, alerts, metrics, …',
        },
      );
    return new InputError(`template ${name} cannot print ${error.message}${at}`, {
      hint: 'the manifest value is refused by the schema too: run mlready check on it',
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  const variable = /"([^"]+)" not defined/.exec(message)?.[1];
  const line = /- (\d+):\d+/.exec(message)?.[1];
  if (variable) {
    const lineNote = line ? ` (line ${line})` : '';
    return new InputError(
      `template ${name} uses {{${variable}}}, which mlready does not provide${lineNote}`,
      {
        hint: 'templates see the fields of the scaffold view: name, model, image, port, resources, probes, rollout, scaling, slo, alerts, metrics, …',
      },
    );
  }
  return new InputError(`template ${name} cannot be rendered: ${message.split('\n')[0]}`);
}

function contextOf(view: ScaffoldView): Record<string, unknown> {
  const hf = /^hf:\/\/([^@]+)(?:@(.+))?$/s.exec(view.model.uri ?? '');
  return {
    ...view,
    hfRepo: hf?.[1] ?? view.model.name,
    revision: hf?.[2] ?? 'main',
    features: view.drift?.features ?? [],
    graceSeconds: Math.max(view.terminationGracePeriodSeconds - 15, 5),
  };
}
