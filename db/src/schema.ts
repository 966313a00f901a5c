import { sql } from 'drizzle-orm';
import {
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const projects = pgTable('projects', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** null: the dispatcher's default per-project limit applies */
  concurrencyLimit: integer('concurrency_limit'),
  maxQueueDepth: integer('max_queue_depth'),
  createdAt: createdAt(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** the first characters of the key, shown in listings so a user can tell keys apart */
    prefix: text('prefix').notNull(),
    /** sha256 of the whole key; the key itself is shown once and never stored */
    hash: text('hash').notNull().unique(),
    scopes: text('scopes').array().notNull(),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [index('api_keys_project_idx').on(t.projectId)],
);

export const workflows = pgTable(
  'workflows',
  {
    id: uuid('id').primaryKey(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    latestVersion: integer('latest_version').notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('workflows_project_name_live_idx')
      .on(t.projectId, t.name)
      .where(sql`${t.deletedAt} IS NULL`),
  ],
);

export const workflowVersions = pgTable(
  'workflow_versions',
  {
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    document: jsonb('document').notNull(),
    /** immutable copy in the S3 metadata bucket */
    documentKey: text('document_key'),
    checksum: text('checksum').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.version] })],
);

export const executions = pgTable(
  'executions',
  {
    id: uuid('id').primaryKey(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    workflowId: uuid('workflow_id')
      .notNull()
      .references(() => workflows.id),
    workflowVersion: integer('workflow_version').notNull(),
    status: text('status').notNull(),
    /** why the last transition happened; copied into execution_transitions by trigger */
    statusReason: text('status_reason'),
    attempt: integer('attempt').notNull().default(1),
    maxAttempts: integer('max_attempts').notNull().default(1),
    priority: integer('priority').notNull().default(0),
    input: jsonb('input').notNull(),
    idempotencyKey: text('idempotency_key'),
    requestHash: text('request_hash'),
    runAt: timestamp('run_at', { withTimezone: true }),
    timeoutSeconds: integer('timeout_seconds').notNull(),
    /** {step?, type?, reason, message} when the execution did not succeed */
    error: jsonb('error'),
    resultKey: text('result_key'),
    /** Job name or process id of the current attempt */
    runner: text('runner'),
    createdAt: createdAt(),
    queuedAt: timestamp('queued_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('executions_project_idempotency_idx').on(t.projectId, t.idempotencyKey),
    index('executions_project_created_idx').on(t.projectId, t.id),
    index('executions_status_idx').on(t.status, t.queuedAt),
    // queue depth and oldest wait per project, read on every submission and scrape
    index('executions_queued_project_idx')
      .on(t.projectId, t.queuedAt)
      .where(sql`${t.status} = 'queued'`),
    // the dispatcher's admission order within a project: most urgent, then oldest
    index('executions_admission_idx')
      .on(t.projectId, t.priority.desc(), t.queuedAt, t.id)
      .where(sql`${t.status} = 'queued'`),
    // the queue reconciler's pass over queued executions not due yet (delayed runs, retry backoff), in id order
    index('executions_queued_delayed_idx')
      .on(t.id)
      .where(sql`${t.status} = 'queued' AND ${t.runAt} IS NOT NULL`),
  ],
);

export const executionTransitions = pgTable(
  'execution_transitions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    executionId: uuid('execution_id')
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    reason: text('reason'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('execution_transitions_execution_idx').on(t.executionId, t.id)],
);

export const stepRuns = pgTable(
  'step_runs',
  {
    executionId: uuid('execution_id')
      .notNull()
      .references(() => executions.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    stepId: text('step_id').notNull(),
    status: text('status').notNull(),
    tries: integer('tries').notNull().default(0),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    error: jsonb('error'),
    /** small outputs inline; large ones live in the content bucket under outputKey */
    output: jsonb('output'),
    outputKey: text('output_key'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.executionId, t.attempt, t.stepId] })],
);
