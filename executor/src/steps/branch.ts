import type { z } from 'zod';
import { branchParams } from '@flow-like/core';
import type { StepModule } from './stepModule.js';

export const params = branchParams;

export interface BranchOutput {
  value: unknown;
  /** the matching case key, or null when the default was taken */
  case: string | null;
  /** the steps that run; the runtime skips the other targets of this branch */
  selected: string[];
}

/** A switch: the text form of `on` picks a case; no match picks `default`. */
export const branchStep: StepModule<z.output<typeof params>> = {
  params,
  async run(run): Promise<BranchOutput> {
    const value = await run.evaluate(run.params.on);
    const key = typeof value === 'string' ? value : JSON.stringify(value);
    const selected = Object.hasOwn(run.params.cases, key) ? run.params.cases[key]! : undefined;
    return selected ? { value, case: key, selected } : { value, case: null, selected: run.params.default };
  },
};
