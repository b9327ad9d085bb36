import { randomUUID } from 'node:crypto';
import type { ResourceInfo } from './resources.js';

export type Obj = Record<string, unknown> & { apiVersion: string; kind: string; metadata: Meta };
export interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }[];
  managedFields?: unknown[];
  [k: string]: unknown;
}

/**
 * One entry of metadata.managedFields. The API server keys entries by manager name, operation and
 * subresource: "mlready" applying and "mlready" merge-patching are two owners that can conflict.
 */
export interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  subresource?: string;
  apiVersion: string;
  time: string;
  paths: Set<string>;
}

export interface Stored {
  info: ResourceInfo;
  object: Obj;
  managers: Map<string, Manager>;
}

export interface StoreEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  info: ResourceInfo;
  object: Obj;
}

const HISTORY = 2000;

/** Objects with one global resourceVersion counter and a bounded event history for watches, as etcd gives the API server. */
export class Store {
  private rv = 1000;
  private readonly objects = new Map<string, Stored>();
  readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(event: StoreEvent) => void>();

  key(info: ResourceInfo, namespace: string | undefined, name: string): string {
    return `${info.plural}.${info.group}/${info.namespaced ? (namespace ?? '') : ''}/${name}`;
  }

  get(info: ResourceInfo, namespace: string | undefined, name: string): Stored | undefined {
    return this.objects.get(this.key(info, namespace, name));
  }

  list(info: ResourceInfo, namespace?: string): Stored[] {
    return [...this.objects.values()].filter(
      (s) =>
        s.info.plural === info.plural &&
        s.info.group === info.group &&
        (!namespace || !info.namespaced || s.object.metadata.namespace === namespace),
    );
  }

  all(): Stored[] {
    return [...this.objects.values()];
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** Stores a new or changed object, stamping resourceVersion (and uid, creationTimestamp on creation). */
  put(info: ResourceInfo, object: Obj, managers?: Map<string, Manager>): Obj {
    const key = this.key(info, object.metadata.namespace, object.metadata.name);
    const existing = this.objects.get(key);
    this.rv++;
    object.metadata.resourceVersion = String(this.rv);
    if (!existing) {
      object.metadata.uid ??= randomUUID();
      object.metadata.creationTimestamp ??= new Date().toISOString();
    }
    const stored: Stored = { info, object, managers: managers ?? existing?.managers ?? new Map() };
    this.objects.set(key, stored);
    this.emit({ rv: this.rv, type: existing ? 'MODIFIED' : 'ADDED', info, object: structuredClone(object) });
    return object;
  }

  remove(info: ResourceInfo, namespace: string | undefined, name: string): Obj | undefined {
    const key = this.key(info, namespace, name);
    const existing = this.objects.get(key);
    if (!existing) return undefined;
    this.objects.delete(key);
    this.rv++;
    existing.object.metadata.resourceVersion = String(this.rv);
    this.emit({ rv: this.rv, type: 'DELETED', info, object: structuredClone(existing.object) });
    return existing.object;
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > HISTORY) this.history.shift();
    for (const listener of this.listeners) listener(event);
  }
}

export function managerId(manager: string, operation: 'Apply' | 'Update', subresource?: string): string {
  return `${manager}\u0000${operation}\u0000${subresource ?? ''}`;
}
