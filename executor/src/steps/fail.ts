import type { z } from 'zod';
import { failParams } from '@flow-like/core';
import { StepError } from '../runtime/failure.js';
import type { StepModule } from './stepModule.js';

export const params = failParams;

/** Fails the workflow on purpose, with the author's message; retrying cannot change that. */
export const failStep: StepModule<z.output<typeof params>> = {
  params,
  run(run) {
    return Promise.reject(new StepError(run.params.reason, run.params.message, false));
  },
};
