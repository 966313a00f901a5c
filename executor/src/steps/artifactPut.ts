import type { z } from 'zod';
import { artifactPutParams } from '@flow-like/core';
import { StepError } from '../runtime/failure.js';
import type { StepModule } from './stepModule.js';

export const params = artifactPutParams;

/** Store a value as an object under the execution's artifact prefix: text as is, anything else as JSON. */
export const artifactPutStep: StepModule<z.output<typeof params>> = {
  params,
  async run(run) {
    const store = run.context.artifacts;
    if (!store) throw new StepError('unavailable', 'no artifact store is configured for this run', false);
    const { key, body } = run.params;
    const text = typeof body === 'string' ? body : JSON.stringify(body ?? null);
    const contentType = run.params.contentType ?? (typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json');
    const stored = await store.put(key, text, contentType, run.signal);
    return { key, objectKey: stored.key, bytes: Buffer.byteLength(text), contentType };
  },
};
