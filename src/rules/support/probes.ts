import { asArray, asRecord, asString, isRecord } from '../../check/objects.js';
import type { ContainerRef } from '../../workloads/model.js';

export type ProbeKind = 'startupProbe' | 'readinessProbe' | 'livenessProbe';

export interface Probe {
  kind: ProbeKind;
  raw: Record<string, unknown>;
  /** httpGet | grpc | tcpSocket | exec | none */
  handler: 'httpGet' | 'grpc' | 'tcpSocket' | 'exec' | 'none';
  path: string | undefined;
  port: string | number | undefined;
  /** exec's command line; one shared empty list for the other handlers (most probes). */
  command: readonly string[];
  initialDelaySeconds: number;
  periodSeconds: number;
  failureThreshold: number;
  successThreshold: number;
  timeoutSeconds: number;
}

/**
 * A container's probe with Kubernetes' defaults filled in (period 10 s, failure 3, success 1,
 * timeout 1 s).
 */
export function probeOf(ref: ContainerRef, kind: ProbeKind): Probe | undefined {
  const raw = ref.container[kind];
  if (!isRecord(raw)) return undefined;
  const handler = isRecord(raw.httpGet)
    ? 'httpGet'
    : isRecord(raw.grpc)
      ? 'grpc'
      : isRecord(raw.tcpSocket)
        ? 'tcpSocket'
        : isRecord(raw.exec)
          ? 'exec'
          : 'none';
  const body = asRecord(raw[handler]);
  const port = body.port;
  return {
    kind,
    raw,
    handler,
    path: handler === 'httpGet' ? (asString(body.path) ?? '/') : undefined,
    port: typeof port === 'number' || typeof port === 'string' ? port : undefined,
    command: Array.isArray(body.command) && body.command.length > 0 ? body.command.map(String) : NO_COMMAND,
    initialDelaySeconds: num(raw.initialDelaySeconds, 0),
    periodSeconds: num(raw.periodSeconds, 10),
    failureThreshold: num(raw.failureThreshold, 3),
    successThreshold: num(raw.successThreshold, 1),
    timeoutSeconds: num(raw.timeoutSeconds, 1),
  };
}

const NO_COMMAND: readonly string[] = Object.freeze([]);

/** Seconds until the probe gives up on a container that never answers. */
export function probeBudgetSeconds(probe: Probe): number {
  return probe.initialDelaySeconds + probe.failureThreshold * probe.periodSeconds;
}

/** "httpGet /health on port http", "tcpSocket on port 8080", "exec cat /tmp/ready". */
export function describeProbe(probe: Probe): string {
  switch (probe.handler) {
    case 'httpGet':
      return `httpGet ${probe.path} on port ${String(probe.port)}`;
    case 'grpc':
      return `grpc on port ${String(probe.port)}`;
    case 'tcpSocket':
      return `tcpSocket on port ${String(probe.port)}`;
    case 'exec':
      return `exec ${probe.command.join(' ')}`;
    default:
      return 'a probe without a handler';
  }
}

/** Same endpoint: handler, path and port. */
export function sameEndpoint(a: Probe, b: Probe): boolean {
  return (
    a.handler === b.handler &&
    a.path === b.path &&
    String(a.port) === String(b.port) &&
    a.command.join(' ') === b.command.join(' ')
  );
}

/** The container's declared ports, by name and number. */
export function containerPorts(ref: ContainerRef): { names: Set<string>; numbers: Set<number> } {
  const names = new Set<string>();
  const numbers = new Set<number>();
  for (const port of asArray(ref.container.ports)) {
    const p = asRecord(port);
    const name = asString(p.name);
    if (name) names.add(name);
    if (typeof p.containerPort === 'number') numbers.add(p.containerPort);
  }
  return { names, numbers };
}

/**
 * containerPorts(ref).names.has(name), without building the sets: probe-port-exists asks for
 * every probe that names a port, and gathers the ports only for a message.
 */
export function declaresPortName(ref: ContainerRef, name: string): boolean {
  const ports = ref.container.ports;
  if (!Array.isArray(ports)) return false;
  for (let i = 0; i < ports.length; i++) {
    const port: unknown = ports[i];
    if (!isRecord(port)) continue;
    const declared = port.name;
    // As containerPorts reads names (asString): a number is its text, and an empty name is none.
    if (
      typeof declared === 'string'
        ? declared !== '' && declared === name
        : typeof declared === 'number' && String(declared) === name
    )
      return true;
  }
  return false;
}

/** containerPorts(ref).numbers.size > 0, without building the sets. */
export function declaresPortNumbers(ref: ContainerRef): boolean {
  const ports = ref.container.ports;
  if (!Array.isArray(ports)) return false;
  for (let i = 0; i < ports.length; i++) {
    const port: unknown = ports[i];
    if (isRecord(port) && typeof port.containerPort === 'number') return true;
  }
  return false;
}

/** containerPorts(ref).numbers.has(number) (SameValueZero, as a Set compares), without building the sets. */
export function declaresPortNumber(ref: ContainerRef, number: number): boolean {
  const ports = ref.container.ports;
  if (!Array.isArray(ports)) return false;
  for (let i = 0; i < ports.length; i++) {
    const port: unknown = ports[i];
    if (!isRecord(port)) continue;
    const declared = port.containerPort;
    if (typeof declared === 'number' && (declared === number || (declared !== declared && number !== number)))
      return true;
  }
  return false;
}

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 || h > 0 ? `${m}m` : ''}${rest > 0 ? `${rest}s` : ''}`;
}
