import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type MiddlewareHandler } from 'hono';
import type { ExecutionQueue } from '../executionQueue.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * bull-board over the execution queue. Read-only: Postgres is the source of
 * truth for executions, and removing, retrying or adding jobs by hand would
 * make the queue disagree with it; operators cancel and rerun through the API.
 */
export function adminQueueRoutes(queue: ExecutionQueue, access: MiddlewareHandler): Hono {
  const serverAdapter = new HonoAdapter(serveStatic).setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: true, allowRetries: false, description: 'one job per queued or running execution' })],
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'Flow-Like queues',
        hideDocsLink: true,
        miscLinks: [{ text: 'API docs', url: '/docs' }],
      },
    },
  });
  const app = new Hono();
  app.use(QUEUE_DASHBOARD_PATH, access);
  app.use(`${QUEUE_DASHBOARD_PATH}/*`, access);
  app.route(QUEUE_DASHBOARD_PATH, serverAdapter.registerPlugin());
  return app;
}
