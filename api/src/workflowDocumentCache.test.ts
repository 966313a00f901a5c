import { describe, expect, it } from 'vitest';
import { newId } from '@flow-like/core';
import { parsedWorkflowDocument } from './workflowDocumentCache.js';

const document = (name: string) => ({ name, inputSchema: { type: 'object' }, steps: [{ id: 'wait', type: 'delay', params: { ms: 1 } }] });

describe('parsed workflow documents', () => {
  it('parses a version once and hands out the same document for it, another version its own', () => {
    const workflowId = newId();
    const first = parsedWorkflowDocument({ workflowId, version: 1, document: document('one') });
    expect(first.name).toBe('one');
    expect(parsedWorkflowDocument({ workflowId, version: 1, document: document('one') })).toBe(first);
    const second = parsedWorkflowDocument({ workflowId, version: 2, document: document('two') });
    expect(second).not.toBe(first);
    expect(second.name).toBe('two');
    expect(parsedWorkflowDocument({ workflowId: newId(), version: 1, document: document('one') })).not.toBe(first);
  });

  it('refuses an invalid document every time rather than remembering it', () => {
    const workflowId = newId();
    const broken = { name: 'broken', steps: [] };
    expect(() => parsedWorkflowDocument({ workflowId, version: 1, document: broken })).toThrow();
    expect(() => parsedWorkflowDocument({ workflowId, version: 1, document: broken })).toThrow();
  });
});
