import { z } from 'zod';

/**
 * Parameter schemas of every step type. They live in core so registration can
 * reject a document whose parameters cannot fit, long before an executor runs
 * it; each executor step file re-exports its schema beside its `run`.
 */

const MiB = 1024 * 1024;

/** A relative object name under the execution's artifact prefix; no way out of it. */
export const artifactKey = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/, 'use letters, digits, ".", "_", "-" and "/"')
  .refine((key) => !key.split('/').some((segment) => segment === '..' || segment === '.' || segment === ''), {
    message: 'must not contain empty, "." or ".." segments',
  });

export const httpParams = z.strictObject({
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  url: z.string().url().refine((url) => /^https?:\/\//i.test(url), { message: 'only http and https URLs are allowed' }),
  headers: z.record(z.string(), z.string()).default({}),
  /** a string is sent as text; anything else as JSON */
  body: z.unknown().optional(),
  timeoutMs: z.number().int().min(1).max(600_000).default(30_000),
  /** read into memory up to 64 MiB; streamed into an artifact with `saveAs`, up to 5 GiB */
  maxResponseBytes: z.number().int().min(1).max(5 * 1024 * MiB).default(MiB),
  /** extra tries on a 5xx answer or a network error */
  retries: z.number().int().min(0).max(10).default(2),
  retryBackoffMs: z.number().int().min(0).max(60_000).default(500),
  /** by default a 4xx/5xx answer fails the step; false returns it as the output */
  failOnStatus: z.boolean().default(true),
  /** stream the response body into this artifact instead of returning it */
  saveAs: artifactKey.optional(),
}).superRefine((params, context) => {
  if (params.saveAs === undefined && params.maxResponseBytes > 64 * MiB) {
    context.addIssue({ code: 'custom', path: ['maxResponseBytes'], message: 'at most 64 MiB unless the body is streamed into an artifact with saveAs' });
  }
});

export const transformParams = z.strictObject({
  expression: z.string().min(1),
});

export const codeParams = z.strictObject({
  /** the body of a function that sees `input`, `steps`, `item`, `index` and returns JSON */
  source: z.string().min(1).max(256 * 1024),
  timeoutMs: z.number().int().min(1).max(60_000).default(1_000),
  memoryBytes: z.number().int().min(MiB).max(256 * MiB).default(32 * MiB),
});

export const branchParams = z.strictObject({
  /** the switch value; its text form selects a case */
  on: z.string().min(1),
  cases: z.record(z.string(), z.array(z.string()).min(1)),
  default: z.array(z.string()).default([]),
});

export const delayParams = z.strictObject({
  ms: z.number().int().min(0).max(3_600_000),
});

export const logParams = z.strictObject({
  level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  message: z.string().min(1).max(10_000),
  data: z.unknown().optional(),
});

export const failParams = z.strictObject({
  message: z.string().min(1).max(10_000),
  reason: z.string().min(1).max(100).default('fail'),
});

export const artifactPutParams = z.strictObject({
  key: artifactKey,
  /** a string is stored as text; anything else as JSON */
  body: z.unknown(),
  contentType: z.string().min(1).max(200).optional(),
});

export const artifactGetParams = z.strictObject({
  key: artifactKey,
  as: z.enum(['json', 'text']).default('json'),
  maxBytes: z.number().int().min(1).max(64 * MiB).default(MiB),
});

/** Pauses between tries: `initialMs`, then `factor` times longer each time, never over `maxMs`. */
export const backoffPolicy = z.strictObject({
  initialMs: z.number().int().min(0).max(600_000).default(500),
  factor: z.number().min(1).max(10).default(2),
  maxMs: z.number().int().min(0).max(3_600_000).default(30_000),
});
export type BackoffPolicy = z.infer<typeof backoffPolicy>;

export const retryPolicy = z.strictObject({
  /** total tries, the first included */
  attempts: z.number().int().min(1).max(20).default(1),
  backoff: backoffPolicy.prefault({}),
});
export type RetryPolicy = z.infer<typeof retryPolicy>;

/** The step run for each item of a map: any step type but a branch (it has no graph to steer). */
export const mapTemplate = z.strictObject({
  type: z.string(),
  params: z.record(z.string(), z.unknown()).default({}),
  timeoutSeconds: z.number().positive().max(86_400).optional(),
  retry: retryPolicy.optional(),
  output: z.string().min(1).optional(),
});
export type MapTemplate = z.infer<typeof mapTemplate>;

export const mapParams = z.strictObject({
  /** an expression giving the array to map over */
  items: z.string().min(1),
  concurrency: z.number().int().min(1).max(64).default(4),
  step: mapTemplate,
});

export const STEP_PARAMS = {
  http: httpParams,
  transform: transformParams,
  code: codeParams,
  branch: branchParams,
  map: mapParams,
  delay: delayParams,
  log: logParams,
  fail: failParams,
  'artifact.put': artifactPutParams,
  'artifact.get': artifactGetParams,
} as const;

export type StepType = keyof typeof STEP_PARAMS;
export const STEP_TYPES = Object.keys(STEP_PARAMS) as StepType[];

export function isStepType(value: string): value is StepType {
  return Object.hasOwn(STEP_PARAMS, value);
}

export type StepParams<T extends StepType> = z.infer<(typeof STEP_PARAMS)[T]>;

/**
 * Parameters that are JSONata expressions themselves (compiled at
 * registration, evaluated by the step) or that must reach the step untouched
 * (code is not a template; a map's template is resolved per item).
 */
export const UNRESOLVED_PARAMS: Readonly<Record<StepType, readonly string[]>> = {
  http: [],
  transform: ['expression'],
  code: ['source'],
  branch: ['on', 'cases', 'default'],
  map: ['items', 'step'],
  delay: [],
  log: [],
  fail: [],
  'artifact.put': [],
  'artifact.get': [],
};

export const EXPRESSION_PARAMS: Readonly<Record<StepType, readonly string[]>> = {
  http: [],
  transform: ['expression'],
  code: [],
  branch: ['on'],
  map: ['items'],
  delay: [],
  log: [],
  fail: [],
  'artifact.put': [],
  'artifact.get': [],
};
