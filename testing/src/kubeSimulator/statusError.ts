/** API errors in the `Status` shape the real API server answers with. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  retryAfterSeconds?: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toBody(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** `jobs.batch "x"` — how the API server names a resource in messages. */
export function qualifiedName(resource: string, group: string, name: string): string {
  return `${group ? `${resource}.${group}` : resource} ${JSON.stringify(name)}`;
}

export const statusErrors = {
  notFound: (resource: string, group: string, name: string) =>
    new StatusError(404, 'NotFound', `${qualifiedName(resource, group, name)} not found`, { name, group, kind: resource }),
  alreadyExists: (resource: string, group: string, name: string) =>
    new StatusError(409, 'AlreadyExists', `${qualifiedName(resource, group, name)} already exists`, { name, group, kind: resource }),
  gone: (requested: number, oldest: number) =>
    new StatusError(410, 'Expired', `too old resource version: ${requested} (${oldest})`),
  badRequest: (message: string) => new StatusError(400, 'BadRequest', message),
  invalid: (resource: string, group: string, name: string, message: string) =>
    new StatusError(422, 'Invalid', `${qualifiedName(resource, group, name)} is invalid: ${message}`, { name, group, kind: resource }),
  methodNotAllowed: (method: string) => new StatusError(405, 'MethodNotAllowed', `the server does not allow this method (${method}) on the requested resource`),
  forbidden: (method: string, path: string) =>
    new StatusError(403, 'Forbidden', `User "system:serviceaccount:flow-like:simulated" cannot ${method.toLowerCase()} ${path}: RBAC: access denied`),
  tooManyRequests: (retryAfterSeconds: number) =>
    new StatusError(429, 'TooManyRequests', 'the server has received too many requests and has asked us to try again later', { retryAfterSeconds }),
  internal: (message: string) => new StatusError(500, 'InternalError', `an error on the server ("${message}") has prevented the request from succeeding`),
};
