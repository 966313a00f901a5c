import { randomUUID } from 'node:crypto';
import { matchesLabels, type Requirement } from './labelSelector.js';
import { statusErrors } from './statusError.js';
import type { KubeObject } from './types.js';

/**
 * The simulator's etcd: objects per resource, one global resourceVersion
 * counter, and a bounded history of changes so a watch can resume from a
 * resourceVersion — or be told 410 Gone when that version was compacted away.
 */
export type ResourceName = 'jobs' | 'pods' | 'secrets';
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  type: WatchEventType;
  resource: ResourceName;
  resourceVersion: number;
  object: KubeObject;
}

export interface WatchFilter {
  resource: ResourceName;
  namespace: string | undefined;
  requirements: readonly Requirement[];
}

type Listener = (event: StoredEvent) => void;

const GROUPS: Record<ResourceName, string> = { jobs: 'batch', pods: '', secrets: '' };
const HISTORY_LIMIT = 10_000;

function clone<T>(value: T): T {
  return structuredClone(value);
}

function keyOf(resource: ResourceName, namespace: string, name: string): string {
  return `${resource}/${namespace}/${name}`;
}

export function matchesFilter(filter: WatchFilter, resource: ResourceName, object: KubeObject): boolean {
  return (
    filter.resource === resource &&
    (filter.namespace === undefined || filter.namespace === object.metadata.namespace) &&
    matchesLabels(filter.requirements, object.metadata.labels)
  );
}

export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private history: StoredEvent[] = [];
  private revision = 1;
  /** the oldest resourceVersion a watch may still resume from */
  private compactedAt = 1;
  private readonly listeners = new Set<{ filter: WatchFilter; listener: Listener }>();

  get resourceVersion(): number {
    return this.revision;
  }

  get(resource: ResourceName, namespace: string, name: string): KubeObject | undefined {
    const found = this.objects.get(keyOf(resource, namespace, name));
    return found ? clone(found) : undefined;
  }

  /** Every object matching the filter, sorted by namespace and name as the API server pages them. */
  list(filter: WatchFilter): KubeObject[] {
    const prefix = `${filter.resource}/`;
    const found: KubeObject[] = [];
    for (const [key, object] of this.objects) {
      if (key.startsWith(prefix) && matchesFilter(filter, filter.resource, object)) found.push(clone(object));
    }
    return found.sort((a, b) => objectOrder(a).localeCompare(objectOrder(b)));
  }

  create(resource: ResourceName, namespace: string, input: KubeObject): KubeObject {
    const meta = input.metadata ?? {};
    const name = meta.name ?? (meta.generateName ? `${meta.generateName}${randomSuffix()}` : undefined);
    if (!name) throw statusErrors.invalid(resource, GROUPS[resource], '', 'metadata.name: Required value: name or generateName is required');
    const key = keyOf(resource, namespace, name);
    if (this.objects.has(key)) throw statusErrors.alreadyExists(resource, GROUPS[resource], name);
    const object: KubeObject = {
      ...clone(input),
      metadata: {
        ...clone(meta),
        name,
        namespace,
        uid: meta.uid ?? randomUUID(),
        generation: 1,
        creationTimestamp: new Date().toISOString(),
        resourceVersion: String(this.nextRevision()),
      },
    };
    this.objects.set(key, object);
    this.record('ADDED', resource, object);
    return clone(object);
  }

  /** Apply `change` to the stored object; returns undefined when it no longer exists. */
  update(resource: ResourceName, namespace: string, name: string, change: (object: KubeObject) => void): KubeObject | undefined {
    const key = keyOf(resource, namespace, name);
    const current = this.objects.get(key);
    if (!current) return undefined;
    const next = clone(current);
    change(next);
    next.metadata.resourceVersion = String(this.nextRevision());
    this.objects.set(key, next);
    this.record('MODIFIED', resource, next);
    return clone(next);
  }

  remove(resource: ResourceName, namespace: string, name: string): KubeObject | undefined {
    const key = keyOf(resource, namespace, name);
    const current = this.objects.get(key);
    if (!current) return undefined;
    this.objects.delete(key);
    const removed = clone(current);
    removed.metadata.resourceVersion = String(this.nextRevision());
    this.record('DELETED', resource, removed);
    return clone(removed);
  }

  /**
   * Replay the changes after `fromVersion`, then follow live ones. Throws a
   * 410 Status when `fromVersion` is older than the retained history.
   */
  watch(filter: WatchFilter, fromVersion: number, listener: Listener): () => void {
    if (fromVersion < this.compactedAt) throw statusErrors.gone(fromVersion, this.compactedAt);
    for (const event of this.history) {
      if (event.resourceVersion > fromVersion && matchesFilter(filter, event.resource, event.object)) listener(cloneEvent(event));
    }
    const entry = { filter, listener };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** Forget all history, so every watch that resumes from an older version gets 410 Gone. */
  compact(): void {
    this.history = [];
    this.compactedAt = this.revision;
  }

  private nextRevision(): number {
    this.revision += 1;
    return this.revision;
  }

  private record(type: WatchEventType, resource: ResourceName, object: KubeObject): void {
    const event: StoredEvent = { type, resource, resourceVersion: this.revision, object: clone(object) };
    this.history.push(event);
    if (this.history.length > HISTORY_LIMIT) {
      const dropped = this.history.splice(0, this.history.length - HISTORY_LIMIT);
      this.compactedAt = dropped[dropped.length - 1]?.resourceVersion ?? this.compactedAt;
    }
    for (const { filter, listener } of this.listeners) {
      if (matchesFilter(filter, resource, object)) listener(cloneEvent(event));
    }
  }
}

function cloneEvent(event: StoredEvent): StoredEvent {
  return { ...event, object: clone(event.object) };
}

function objectOrder(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let suffix = '';
  for (let i = 0; i < 5; i += 1) suffix += alphabet[Math.floor(Math.random() * alphabet.length)];
  return suffix;
}

export function groupOf(resource: ResourceName): string {
  return GROUPS[resource];
}
