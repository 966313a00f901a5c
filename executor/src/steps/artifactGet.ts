import type { z } from 'zod';
import { artifactGetParams } from '@flow-like/core';
import { StepError } from '../runtime/failure.js';
import type { StepModule } from './stepModule.js';

export const params = artifactGetParams;

/** Read an artifact of this execution back, as JSON or text, refusing one larger than `maxBytes`. */
export const artifactGetStep: StepModule<z.output<typeof params>> = {
  params,
  async run(run) {
    const store = run.context.artifacts;
    if (!store) throw new StepError('unavailable', 'no artifact store is configured for this run', false);
    const { body } = await store.get(run.params.key, run.params.maxBytes, run.signal);
    const text = body.toString('utf8');
    if (run.params.as === 'text') return text;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new StepError('invalid_json', `artifact "${run.params.key}" is not JSON; read it with as: "text"`, false);
    }
  },
};
