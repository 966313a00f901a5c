import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { createMiddleware } from 'hono/factory';
import type { ProjectQueueStats } from '@flow-like/db';

const DURATION_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export interface ApiMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  submissions: Counter<'project'>;
  waitDuration: Histogram<'project'>;
  runDuration: Histogram<'project'>;
  outcomes: Counter<'project' | 'status'>;
}

/**
 * A registry per app, so several apps in one process (tests) do not collide.
 * Queue gauges are read from Postgres at scrape time; wait/run durations and
 * outcomes are observed by every replica from status notifications, so query
 * them with max() across replicas, not sum().
 */
export function createMetrics(readQueueStats: () => Promise<ProjectQueueStats[]>, now: () => Date): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const queueGauges = (stats: ProjectQueueStats[], pick: (s: ProjectQueueStats) => number, gauge: Gauge<'project'>) => {
    gauge.reset();
    for (const s of stats) gauge.set({ project: s.projectId }, pick(s));
  };
  let pending: Promise<ProjectQueueStats[]> | undefined;
  // the three gauges are collected one after another in one scrape: read once
  const statsOnce = () => {
    pending ??= readQueueStats().finally(() => setTimeout(() => (pending = undefined), 100).unref());
    return pending;
  };
  new Gauge({
    name: 'flow_like_queue_depth',
    help: 'Queued executions per project',
    labelNames: ['project'],
    registers: [registry],
    async collect() {
      queueGauges(await statsOnce().catch(() => []), (s) => s.queued, this);
    },
  });
  new Gauge({
    name: 'flow_like_queue_oldest_age_seconds',
    help: 'Age of the oldest queued execution per project',
    labelNames: ['project'],
    registers: [registry],
    async collect() {
      const at = now().getTime();
      queueGauges(await statsOnce().catch(() => []), (s) => (s.oldestQueuedAt ? Math.max(0, (at - s.oldestQueuedAt.getTime()) / 1000) : 0), this);
    },
  });
  new Gauge({
    name: 'flow_like_running_executions',
    help: 'Executions holding a slot (dispatching, starting, running) per project',
    labelNames: ['project'],
    registers: [registry],
    async collect() {
      queueGauges(await statsOnce().catch(() => []), (s) => s.running, this);
    },
  });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'flow_like_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    submissions: new Counter({ name: 'flow_like_submissions_total', help: 'Accepted executions per project', labelNames: ['project'], registers: [registry] }),
    waitDuration: new Histogram({
      name: 'flow_like_execution_wait_seconds',
      help: 'Time from queued to started',
      labelNames: ['project'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    runDuration: new Histogram({
      name: 'flow_like_execution_run_seconds',
      help: 'Time from started to finished',
      labelNames: ['project'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    outcomes: new Counter({
      name: 'flow_like_execution_outcomes_total',
      help: 'Executions that reached a terminal status',
      labelNames: ['project', 'status'],
      registers: [registry],
    }),
  };
}

/** HTTP latency by route pattern (never the raw path: ids would explode the label set). */
export function httpMetrics(metrics: ApiMetrics) {
  return createMiddleware(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      metrics.httpDuration.observe(
        { method: c.req.method, route: c.req.routePath, status: String(c.res.status) },
        (performance.now() - started) / 1000,
      );
    }
  });
}
