/**
 * The few error kinds the system speaks in. Each carries a stable `kind` that
 * HTTP mapping (api) and retry decisions (dispatcher) switch on, so neither has
 * to parse messages.
 */
export type ErrorKind = 'not_found' | 'conflict' | 'invalid' | 'lost_race' | 'unavailable' | 'forbidden' | 'unauthorized' | 'too_many_requests' | 'payload_too_large';

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
}

export class NotFound extends DomainError {
  readonly kind = 'not_found' as const;
  constructor(readonly resource: string, readonly id: string) {
    super(`${resource} ${JSON.stringify(id)} was not found`);
    this.name = 'NotFound';
  }
}

export class Conflict extends DomainError {
  readonly kind = 'conflict' as const;
  constructor(message: string) {
    super(message);
    this.name = 'Conflict';
  }
}

export interface InvalidIssue {
  /** JSON path of the offending value, e.g. `/steps/2/needs/0`. `''` is the whole document. */
  path: string;
  message: string;
}

export class Invalid extends DomainError {
  readonly kind = 'invalid' as const;
  readonly issues: InvalidIssue[];
  constructor(issues: InvalidIssue[] | string, path = '') {
    const list = typeof issues === 'string' ? [{ path, message: issues }] : issues;
    super(list.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
    this.name = 'Invalid';
    this.issues = list;
  }
}

/** A conditional update matched no row: somebody else moved the record first. */
export class LostRace extends DomainError {
  readonly kind = 'lost_race' as const;
  constructor(message: string) {
    super(message);
    this.name = 'LostRace';
  }
}

/** A dependency (Redis, Postgres, S3, Kubernetes) could not be reached; worth retrying. */
export class Unavailable extends DomainError {
  readonly kind = 'unavailable' as const;
  constructor(readonly dependency: string, message: string) {
    super(`${dependency} is unavailable: ${message}`);
    this.name = 'Unavailable';
  }
}

export class Unauthorized extends DomainError {
  readonly kind = 'unauthorized' as const;
  constructor(message = 'a valid API key is required') {
    super(message);
    this.name = 'Unauthorized';
  }
}

export class Forbidden extends DomainError {
  readonly kind = 'forbidden' as const;
  constructor(message: string) {
    super(message);
    this.name = 'Forbidden';
  }
}

export class TooManyRequests extends DomainError {
  readonly kind = 'too_many_requests' as const;
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
    this.name = 'TooManyRequests';
  }
}

export class PayloadTooLarge extends DomainError {
  readonly kind = 'payload_too_large' as const;
  constructor(message: string) {
    super(message);
    this.name = 'PayloadTooLarge';
  }
}

/** Turn anything thrown into an Error exactly once. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  try {
    return new Error(JSON.stringify(value));
  } catch {
    return new Error(String(value));
  }
}

/** Exhaustiveness check for switches over unions. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
