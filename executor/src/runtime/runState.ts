import type { OutputStore } from './context.js';
import type { Scope } from './evaluate.js';

export type StepOutcome = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** An offloaded output as expressions and results see it when they do not read it by name. */
export interface OutputReference {
  $ref: string;
  bytes: number;
}

interface StepRecord {
  outcome: StepOutcome;
  output?: unknown;
  reference?: OutputReference;
}

/** What a step produced, as stored: inline, or as a reference to an offloaded object. */
export interface StoredOutput {
  output?: unknown;
  outputKey?: string;
}

/**
 * Outcomes and outputs of one run. Outputs above the inline threshold live
 * only in the output store; a scope loads them back for just the expressions
 * that read them by name, so memory follows what is being computed, not
 * everything computed so far.
 */
export class RunState {
  private readonly records = new Map<string, StepRecord>();

  constructor(
    readonly input: unknown,
    private readonly store: OutputStore | undefined,
    private readonly inlineOutputBytes: number,
  ) {}

  outcome(stepId: string): StepOutcome | undefined {
    return this.records.get(stepId)?.outcome;
  }

  finish(stepId: string, outcome: Exclude<StepOutcome, 'succeeded'>): void {
    this.records.set(stepId, { outcome });
  }

  async succeed(stepId: string, output: unknown, signal: AbortSignal): Promise<StoredOutput> {
    const json = JSON.stringify(output ?? null);
    const bytes = Buffer.byteLength(json);
    if (!this.store || bytes <= this.inlineOutputBytes) {
      this.records.set(stepId, { outcome: 'succeeded', output: output ?? null });
      return { output: output ?? null };
    }
    const key = await this.store.put(stepId, json, signal);
    this.records.set(stepId, { outcome: 'succeeded', reference: { $ref: key, bytes } });
    return { outputKey: key };
  }

  /** The raw output as held in memory: the value, or the reference of an offloaded one. */
  heldOutput(stepId: string): unknown {
    const record = this.records.get(stepId);
    return record?.reference ?? record?.output ?? null;
  }

  async scope(reads: Iterable<string>, signal: AbortSignal, extra: Scope = {}): Promise<Scope> {
    const wanted = new Set(reads);
    const steps: Record<string, { status: StepOutcome; output: unknown }> = {};
    await Promise.all(
      [...this.records].map(async ([id, record]) => {
        let output: unknown = record.output ?? null;
        if (record.reference) {
          output = wanted.has(id) && this.store ? await this.store.get(record.reference.$ref, signal) : record.reference;
        }
        steps[id] = { status: record.outcome, output };
      }),
    );
    return { input: this.input, steps, ...extra };
  }
}
