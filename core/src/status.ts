/**
 * The execution status machine (DESIGN.md §4). The transition table is the
 * single source: SQL conditional updates derive their `WHERE status IN (…)`
 * from it, so code cannot drift from the table.
 */
export const EXECUTION_STATUSES = [
  'queued',
  'dispatching',
  'starting',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
] as const;

export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const TERMINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'timed_out'] as const satisfies readonly ExecutionStatus[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export const ACTIVE_STATUSES = ['dispatching', 'starting', 'running'] as const satisfies readonly ExecutionStatus[];

const TRANSITIONS: Readonly<Record<ExecutionStatus, readonly ExecutionStatus[]>> = {
  // a queued execution may also expire (queue wait) or be cancelled before it starts
  queued: ['dispatching', 'cancelled', 'timed_out', 'failed'],
  // a launch that fails before the executor claims goes back to the queue as a retry
  dispatching: ['starting', 'running', 'queued', 'failed', 'cancelled', 'timed_out'],
  starting: ['running', 'queued', 'failed', 'cancelled', 'timed_out'],
  // running → queued is a retry after a lost pod, with attempt + 1
  running: ['succeeded', 'failed', 'cancelled', 'timed_out', 'queued'],
  succeeded: [],
  failed: [],
  cancelled: [],
  timed_out: [],
};

export function isExecutionStatus(value: unknown): value is ExecutionStatus {
  return typeof value === 'string' && (EXECUTION_STATUSES as readonly string[]).includes(value);
}

export function isTerminal(status: ExecutionStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export function canTransition(from: ExecutionStatus, to: ExecutionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function nextStatuses(from: ExecutionStatus): readonly ExecutionStatus[] {
  return TRANSITIONS[from];
}

/** Every status from which `to` may be reached: the `status IN (…)` guard of a conditional update. */
export function statusesLeadingTo(to: ExecutionStatus): ExecutionStatus[] {
  return EXECUTION_STATUSES.filter((from) => TRANSITIONS[from].includes(to));
}
