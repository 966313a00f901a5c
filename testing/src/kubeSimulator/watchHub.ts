import type { ServerResponse } from 'node:http';
import type { FaultState } from './faults.js';
import { StatusError } from './statusError.js';
import type { ObjectStore, ResourceName, StoredEvent, WatchFilter } from './store.js';

/**
 * Open watch streams: newline-delimited `{"type","object"}` events over a
 * chunked 200 response, BOOKMARKs while idle, `ERROR` with a 410 Status when
 * the requested resourceVersion is too old (as the real API server does, in
 * the stream rather than as the HTTP status).
 */
interface OpenWatch {
  res: ServerResponse;
  resource: ResourceName;
  /** a stalled watch never delivers anything again, like a half-dead TCP connection */
  dead: boolean;
}

const KIND: Record<ResourceName, { kind: string; apiVersion: string }> = {
  jobs: { kind: 'Job', apiVersion: 'batch/v1' },
  pods: { kind: 'Pod', apiVersion: 'v1' },
  secrets: { kind: 'Secret', apiVersion: 'v1' },
};

export class WatchHub {
  private readonly open = new Set<OpenWatch>();

  constructor(
    private readonly store: ObjectStore,
    private readonly faults: FaultState,
    private readonly bookmarkIntervalMs: number,
  ) {}

  serve(filter: WatchFilter, query: URLSearchParams, res: ServerResponse): void {
    const watch: OpenWatch = { res, resource: filter.resource, dead: this.faults.stalledWatches.has(filter.resource) };
    const kind = KIND[filter.resource];
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const send = (type: string, object: unknown) => {
      if (!watch.dead && !res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
    };
    const requested = query.get('resourceVersion') ?? '';
    let fromVersion = Number(requested);
    if (requested === '' || requested === '0') {
      for (const object of this.store.list(filter)) send('ADDED', { ...object, ...kind });
      fromVersion = this.store.resourceVersion;
    }
    let unsubscribe: () => void;
    try {
      unsubscribe = this.store.watch(filter, Number.isFinite(fromVersion) ? fromVersion : 0, (event: StoredEvent) =>
        send(event.type, { ...event.object, ...kind }),
      );
    } catch (error) {
      if (!(error instanceof StatusError)) throw error;
      send('ERROR', error.toBody());
      res.end();
      return;
    }
    this.open.add(watch);
    const timers: NodeJS.Timeout[] = [];
    if (query.get('allowWatchBookmarks') === 'true') {
      timers.push(
        setInterval(() => send('BOOKMARK', { ...kind, metadata: { resourceVersion: String(this.store.resourceVersion) } }), this.bookmarkIntervalMs),
      );
    }
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
    if (timeoutSeconds > 0) timers.push(setTimeout(() => res.end(), timeoutSeconds * 1000));
    // the response's close, not the request's: the request closes as soon as its (empty) body has been read
    res.on('close', () => {
      unsubscribe();
      for (const timer of timers) clearTimeout(timer);
      this.open.delete(watch);
    });
  }

  /** every open watch, or only those of `resource` */
  stall(resource?: ResourceName): void {
    for (const watch of this.open) if (resource === undefined || watch.resource === resource) watch.dead = true;
  }

  closeAll(): void {
    for (const watch of this.open) watch.res.end();
    this.open.clear();
  }

  /** For server shutdown: destroy the sockets so no client keeps the server open. */
  destroyAll(): void {
    for (const watch of this.open) watch.res.destroy();
    this.open.clear();
  }
}
