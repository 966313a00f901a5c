import { Readable } from 'node:stream';
import { parseWorkflowDocument } from '@flow-like/core';
import type { ArtifactStore, OutputStore, RunContext, StepChange } from './context.js';
import type { RunEvent } from './events.js';

/** Stores of our own interfaces kept in memory, for runtime tests that are about the graph, not about S3. */
export function memoryContext(overrides: Partial<RunContext> = {}) {
  const events: RunEvent[] = [];
  const changes: StepChange[] = [];
  const objects = new Map<string, Buffer>();
  const artifacts: ArtifactStore = {
    async put(key, body) {
      const buffer = typeof body === 'string' ? Buffer.from(body) : body instanceof Readable ? Buffer.concat(await body.toArray()) : Buffer.from(body);
      objects.set(`artifacts/${key}`, buffer);
      return { key: `artifacts/${key}`, bytes: buffer.length };
    },
    async get(key, maxBytes) {
      const body = objects.get(`artifacts/${key}`);
      if (!body) throw new Error(`no artifact ${key}`);
      if (body.length > maxBytes) throw new Error('too large');
      return { body };
    },
  };
  const outputs: OutputStore = {
    async put(stepId, json) {
      objects.set(`outputs/${stepId}.json`, Buffer.from(json));
      return `outputs/${stepId}.json`;
    },
    async get(key) {
      return JSON.parse(objects.get(key)!.toString()) as unknown;
    },
  };
  const silent = () => {};
  const context: RunContext = {
    executionId: '00000000-0000-7000-8000-000000000000',
    attempt: 1,
    signal: new AbortController().signal,
    logger: { debug: silent, info: silent, warn: silent, error: silent },
    events: { emit: (event) => events.push(event) },
    steps: { report: async (change) => void changes.push(change) },
    artifacts,
    outputs,
    ...overrides,
  };
  return { context, events, changes, objects };
}

export function documentOf(steps: unknown[], extra: Record<string, unknown> = {}) {
  return parseWorkflowDocument({ name: 'test', steps, ...extra });
}
