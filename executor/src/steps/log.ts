import type { z } from 'zod';
import { logParams } from '@flow-like/core';
import type { StepModule } from './stepModule.js';

export const params = logParams;

/** Writes one log event to the execution's event stream and outputs what it wrote. */
export const logStep: StepModule<z.output<typeof params>> = {
  params,
  async run(run) {
    const { level, message, data } = run.params;
    run.log(level, message, data);
    return { level, message };
  },
};
