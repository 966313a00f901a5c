import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { Invalid, NotFound, toError, Unavailable } from '@flow-like/core';
import { getExecution } from '@flow-like/db';
import { requireProject, type AuthVariables } from '../auth.js';
import type { ApiDeps } from '../context.js';
import { classifyDependencyError } from '../dependencyErrors.js';
import { parseEventId } from '../eventCursor.js';
import { readEventsAfter, readRunEventsAfter } from '../executionEvents.js';
import { COMMON_ERRORS, problemResponses } from '../openapiResponses.js';
import { idParam } from '../schemas.js';

const KEEPALIVE_MS = 15_000;
const FULL_READ_MS = 15_000;
const OUTAGE_TOLERANCE_MS = 30_000;

const eventsRoute = createRoute({
  method: 'get',
  path: '/v1/executions/{id}/events',
  summary: 'Live events as Server-Sent Events: stored events first, then new ones as they happen; resumes after Last-Event-ID',
  description:
    'Events named `status` carry status changes; run events (step.started, log, …) are named by their type. A replay sends stored status changes before stored run events; live, each arrives as it is stored. The stream ends with an `end` event once the execution has finished and every stored event was sent.',
  request: {
    params: idParam,
    headers: z.object({
      'last-event-id': z.string().max(100).optional().openapi({ param: { name: 'last-event-id', in: 'header' } }),
    }),
  },
  responses: {
    200: { description: 'an event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...problemResponses(...COMMON_ERRORS, 404),
  },
});

/**
 * Resolves with 'notice' on a wake-up or abort and 'timer' after `ms`. A
 * wake-up that came while nobody waited is kept; it starts out pending, so
 * the first wait after subscribing reads everything once more.
 */
function waker(signal: AbortSignal) {
  let pending = true;
  let release: (() => void) | undefined;
  const wake = () => {
    pending = true;
    release?.();
  };
  signal.addEventListener('abort', wake, { once: true });
  const next = (ms: number) =>
    new Promise<'notice' | 'timer'>((resolve) => {
      if (pending || signal.aborted) {
        pending = false;
        return resolve('notice');
      }
      const timer = setTimeout(() => done('timer'), ms);
      function done(why: 'notice' | 'timer') {
        clearTimeout(timer);
        release = undefined;
        pending = false;
        resolve(why);
      }
      release = () => done('notice');
    });
  return { wake, next };
}

export function eventRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();

  app.openapi(eventsRoute, async (c) => {
    const projectId = requireProject(c.get('principal'), 'read');
    const { id } = c.req.valid('param');
    const cursor = parseEventId(c.req.valid('header')['last-event-id']);
    if (!cursor) throw new Invalid('is not an event id this API sent', '/headers/last-event-id');
    if (!(await getExecution(deps.db, id, projectId))) throw new NotFound('execution', id);
    // the first read happens before the stream opens, so an outage still answers 503
    const first = await readEventsAfter(deps, id, cursor);

    return streamSSE(c, async (stream) => {
      const stop = AbortSignal.any([deps.shutdown, c.req.raw.signal]);
      const { wake, next } = waker(stop);
      stream.onAbort(wake);
      const unwatch = deps.notifications.watchExecution(id, wake);
      try {
        let batch = first;
        let quietSince = Date.now();
        let fullReadAt = Date.now();
        let failingSince: number | undefined;
        while (!stop.aborted && !stream.aborted) {
          for (const event of batch.events) await stream.writeSSE(event);
          if (batch.events.length > 0) quietSince = Date.now();
          if (batch.finished) {
            await stream.writeSSE({ event: 'end', data: '{}' });
            return;
          }
          if (Date.now() - quietSince >= KEEPALIVE_MS) {
            await stream.write(': keepalive\n\n');
            quietSince = Date.now();
          }
          // status changes wake us at once; run events are only in S3, so look there again after a while
          const why = await next(deps.limits.eventsPollIntervalMs);
          if (stop.aborted || stream.aborted) return;
          // the database is read on a notification, and now and then in case one was lost
          const full = why === 'notice' || failingSince !== undefined || Date.now() - fullReadAt >= FULL_READ_MS;
          try {
            batch = full
              ? await readEventsAfter(deps, id, cursor)
              : { events: await readRunEventsAfter(deps, id, batch.attempt, cursor), finished: false, attempt: batch.attempt };
            if (full) fullReadAt = Date.now();
            failingSince = undefined;
          } catch (error) {
            // a dependency blip (a restart, a failover) should not drop every open stream at once
            if (!(classifyDependencyError(error) instanceof Unavailable)) throw error;
            failingSince ??= Date.now();
            if (Date.now() - failingSince >= OUTAGE_TOLERANCE_MS) throw error;
            batch = { events: [], finished: false, attempt: batch.attempt };
          }
        }
      } catch (error) {
        // the client reconnects with Last-Event-ID; say why without internals
        const reason = classifyDependencyError(error);
        deps.logger.warn({ err: toError(reason).message, executionId: id }, 'event stream ended by an error');
        const detail = reason instanceof Unavailable ? reason.message : 'the stream failed; reconnect to resume';
        await stream.writeSSE({ event: 'problem', data: JSON.stringify({ title: 'Stream interrupted', detail }) }).catch(() => {});
      } finally {
        unwatch();
      }
    }) as never;
  });

  return app;
}
