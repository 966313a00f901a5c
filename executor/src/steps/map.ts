import type { z } from 'zod';
import { mapParams } from '@flow-like/core';
import { childController } from '../runtime/abort.js';
import { StepError } from '../runtime/failure.js';
import type { StepModule } from './stepModule.js';

export const params = mapParams;

/**
 * Run the template once per item, at most `concurrency` at a time; outputs
 * keep the order of the items. The first item that fails for good stops the
 * others and fails the step.
 */
export const mapStep: StepModule<z.output<typeof params>> = {
  params,
  async run(run) {
    const items = await run.evaluate(run.params.items);
    if (!Array.isArray(items)) throw new StepError('invalid_items', `items must be an array, got ${items === null ? 'null' : typeof items}`, false);
    const results: unknown[] = new Array(items.length);
    const { controller, release } = childController(run.signal);
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      while (failure === undefined && !controller.signal.aborted && next < items.length) {
        const index = next++;
        try {
          results[index] = await run.runTemplate(run.params.step, { item: items[index], index }, controller.signal);
        } catch (error) {
          failure ??= error instanceof StepError ? new StepError(error.reason, `item ${index}: ${error.message}`, error.retryable) : error;
          controller.abort(new StepError('cancelled', `another item failed`, false));
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(run.params.concurrency, items.length) }, worker));
    } finally {
      release();
    }
    if (failure !== undefined) throw failure;
    return results;
  },
};
