import type { Problem } from './types.js';

/** A problem+json answer (RFC 9457) as an error: `status`, `problem.detail`, and `problem.errors` with JSON pointers. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(`${status} ${problem.title}: ${problem.detail}`);
    this.name = 'ApiError';
  }
}

export async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  let problem: Problem;
  try {
    problem = JSON.parse(text) as Problem;
  } catch {
    problem = { type: 'about:blank', title: response.statusText || 'Error', status: response.status, detail: text.slice(0, 500) };
  }
  const retryAfter = response.headers.get('retry-after');
  return new ApiError(response.status, problem, retryAfter === null ? undefined : Number(retryAfter));
}
