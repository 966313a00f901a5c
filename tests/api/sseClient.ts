export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

export interface SseConnection {
  status: number;
  /** resolves with the next event, or undefined when the stream ended */
  next(): Promise<SseEvent | undefined>;
  /** events until `until` says stop (inclusive) or the stream ends */
  collect(until: (event: SseEvent) => boolean): Promise<SseEvent[]>;
  close(): void;
}

/** A minimal EventSource over fetch, so tests can send headers and read the stream event by event. */
export async function openEvents(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const next = async (): Promise<SseEvent | undefined> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { event: 'message', data: '' };
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event.event = value;
          else if (field === 'id') event.id = value;
          else if (field === 'data') data.push(value);
        }
        if (data.length === 0 && event.id === undefined) continue;
        event.data = data.join('\n');
        return event;
      }
      const chunk = await reader.read().catch(() => undefined);
      if (!chunk || chunk.done) return undefined;
      buffer += chunk.value;
    }
  };
  return {
    status: response.status,
    next,
    async collect(until) {
      const events: SseEvent[] = [];
      for (;;) {
        const event = await next();
        if (!event) return events;
        events.push(event);
        if (until(event)) return events;
      }
    },
    close: () => abort.abort(),
  };
}
