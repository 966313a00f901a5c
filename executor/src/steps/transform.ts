import type { z } from 'zod';
import { transformParams } from '@flow-like/core';
import type { StepModule } from './stepModule.js';

export const params = transformParams;

/** The expression's value over `{ input, steps }` is the output. */
export const transformStep: StepModule<z.output<typeof params>> = {
  params,
  run: (run) => run.evaluate(run.params.expression),
};
