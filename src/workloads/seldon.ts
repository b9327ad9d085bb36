import { asArray, asRecord, asString, getPath, isRecord, type K8sObject } from '../check/objects.js';
import type { YamlPath } from '../manifest/yaml.js';
import type { KindInfo } from './kinds.js';
import type { ContainerRef, DeclaredTraffic, ModelRef, PodTemplate, Replicas, Workload } from './model.js';
import { at, boundedReplicas, containerRef, hinted, podTemplate, replicasAt, workload } from './pods.js';
import type { RuntimeId } from './runtime.js';
import type { WorkloadReader } from './reader.js';

/**
 * Seldon Core v1 SeldonDeployment: each predictor is a group of pods (componentSpecs) serving an
 * inference graph, with its own replicas and share of traffic (`traffic`, or none for a shadow).
 * Graph nodes with a prepackaged `implementation` and a `modelUri` run a server Seldon provides;
 * they are read as containers synthesised from the graph node. Seldon adds default probes to
 * model containers. https://docs.seldon.io/projects/seldon-core/en/latest/reference/seldon-deployment.html
 */
export const seldonDeploymentReader: WorkloadReader = {
  ids: ['SeldonDeployment'],
  read(object: K8sObject, info: KindInfo): Workload {
    const templates: PodTemplate[] = [];
    const traffic: DeclaredTraffic[] = [];
    const models: ModelRef[] = [];
    const defaultReplicas = getPath(object.raw, ['spec', 'replicas']);
    asArray(getPath(object.raw, ['spec', 'predictors'])).forEach((p, pi) => {
      const predictor = asRecord(p);
      const name = asString(predictor.name) ?? `predictor ${pi}`;
      const base: YamlPath = ['spec', 'predictors', pi];
      const replicas: Replicas =
        typeof predictor.replicas === 'number' || typeof defaultReplicas !== 'number'
          ? replicasAt(object, [...base, 'replicas'], 1)
          : replicasAt(object, ['spec', 'replicas'], 1);
      const nodes = graphNodes(predictor.graph, [...base, 'graph']);
      const claimed = new Set<string>();
      asArray(predictor.componentSpecs).forEach((_c, ci) => {
        const template = podTemplate(object, {
          role: `predictor ${name}`,
          specPath: [...base, 'componentSpecs', ci, 'spec'],
          metadataPath: [...base, 'componentSpecs', ci, 'metadata'],
          replicas,
          controllerLabels: { 'seldon-deployment-id': object.name },
        });
        for (const c of template.containers) claimed.add(c.name);
        templates.push(template);
      });
      const prepackaged = nodes.filter((n) => n.implementation && !claimed.has(n.name));
      if (prepackaged.length > 0) {
        templates.push(
          podTemplate(object, {
            role: `predictor ${name}`,
            specPath: [...base, 'graph'],
            metadataPath: ['metadata'],
            replicas,
            synthesized: true,
            spec: {},
            containers: (t) => prepackaged.map((n) => graphContainer(t, n)),
          }),
        );
      }
      for (const node of nodes) {
        if (node.modelUri)
          models.push({
            reference: node.modelUri,
            source: 'storageUri',
            revision: undefined,
            at: at(object, [...node.path, 'modelUri']),
            container: undefined,
          });
      }
      if (predictor.shadow === true) return;
      if (typeof predictor.traffic === 'number')
        traffic.push({ target: name, percent: predictor.traffic, at: at(object, [...base, 'traffic']) });
    });
    const first = templates[0]?.replicas ?? replicasAt(object, ['spec', 'replicas'], 1);
    return workload(object, info, {
      templates,
      replicas: first,
      strategy: { type: 'rolling', maxSurge: undefined, maxUnavailable: undefined, at: at(object, ['spec']) },
      selector: { 'seldon-deployment-id': object.name },
      traffic,
      models,
      servesModels: true,
      injectedProbes: 'tcp',
    });
  },
};

interface GraphNode {
  name: string;
  implementation: string | undefined;
  modelUri: string | undefined;
  path: YamlPath;
}

function graphNodes(graph: unknown, path: YamlPath, depth = 0): GraphNode[] {
  if (!isRecord(graph) || depth > 20) return [];
  const node: GraphNode = {
    name: asString(graph.name) ?? '(unnamed)',
    implementation: asString(graph.implementation),
    modelUri: asString(graph.modelUri),
    path,
  };
  return [
    node,
    ...asArray(graph.children).flatMap((c, i) => graphNodes(c, [...path, 'children', i], depth + 1)),
  ];
}

/** Seldon Core v1 prepackaged servers by the model server they run. */
const IMPLEMENTATIONS: Record<string, RuntimeId> = {
  HUGGINGFACE_SERVER: 'mlserver',
  MLFLOW_SERVER: 'mlserver',
  SKLEARN_SERVER: 'mlserver',
  TEMPO_SERVER: 'mlserver',
  TENSORFLOW_SERVER: 'tfserving',
  TRITON_SERVER: 'triton',
  XGBOOST_SERVER: 'mlserver',
};

/** A prepackaged server Seldon runs for a graph node: only what the node says is known. */
function graphContainer(template: PodTemplate, node: GraphNode): ContainerRef {
  return hinted(
    containerRef(template, node.path, { name: node.name }, false, true, node.name),
    IMPLEMENTATIONS[node.implementation ?? ''] ?? 'custom',
  );
}

/**
 * Seldon Core v2 Server: pods running MLServer or Triton (serverConfig) that load Models. Its
 * podSpec is a patch over the ServerConfig's pod, so its containers are partial: a field they do
 * not set comes from the ServerConfig. https://docs.seldon.ai/seldon-core-2/kubernetes/resources/server
 */
export const seldonServerReader: WorkloadReader = {
  ids: ['SeldonServer'],
  read(object: K8sObject, info: KindInfo): Workload {
    const replicas = boundedReplicas(
      object,
      ['spec'],
      { count: 'replicas', min: 'minReplicas', max: 'maxReplicas' },
      { count: 1 },
    );
    const serverConfig = asString(getPath(object.raw, ['spec', 'serverConfig']));
    const template = podTemplate(object, {
      role: 'server',
      specPath: ['spec', 'podSpec'],
      metadataPath: ['metadata'],
      replicas,
      partial: true,
      controllerLabels: { 'seldon-server-name': object.name },
      containers: (t) =>
        asArray(getPath(object.raw, ['spec', 'podSpec', 'containers'])).flatMap((c, i) =>
          isRecord(c)
            ? [
                hinted(
                  containerRef(t, ['spec', 'podSpec', 'containers', i], c, false, true),
                  serverConfig === 'triton' ? 'triton' : 'mlserver',
                ),
              ]
            : [],
        ),
    });
    return workload(object, info, {
      templates: [template],
      replicas,
      strategy: { type: 'ordered', maxUnavailable: 1, at: at(object, ['spec']) },
      selector: { 'seldon-server-name': object.name },
      servesModels: true,
      injectedProbes: 'model-ready',
    });
  },
};

/**
 * Seldon Core v2 Model: weights (storageUri) loaded onto a Server that satisfies its requirements,
 * with replicas (or minReplicas/maxReplicas) of its own. It runs no pods of its own.
 * https://docs.seldon.ai/seldon-core-2/kubernetes/resources/model
 */
export const seldonModelReader: WorkloadReader = {
  ids: ['SeldonModel'],
  read(object: K8sObject, info: KindInfo): Workload {
    const replicas = boundedReplicas(
      object,
      ['spec'],
      { count: 'replicas', min: 'minReplicas', max: 'maxReplicas' },
      { count: 1 },
    );
    const uri = asString(getPath(object.raw, ['spec', 'storageUri']));
    return workload(object, info, {
      templates: [],
      replicas,
      autoscaling:
        replicas.max !== undefined
          ? { min: replicas.min, max: replicas.max, metric: 'inference lag', at: replicas.at }
          : undefined,
      models: uri
        ? [
            {
              reference: uri,
              source: 'storageUri',
              revision: undefined,
              at: at(object, ['spec', 'storageUri']),
              container: undefined,
            },
          ]
        : [],
      servesModels: true,
      injectedProbes: 'model-ready',
    });
  },
};
