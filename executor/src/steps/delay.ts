import type { z } from 'zod';
import { delayParams } from '@flow-like/core';
import { sleep } from '../runtime/abort.js';
import type { StepModule } from './stepModule.js';

export const params = delayParams;

export const delayStep: StepModule<z.output<typeof params>> = {
  params,
  async run(run) {
    await sleep(run.params.ms, run.signal);
    return { waitedMs: run.params.ms };
  },
};
