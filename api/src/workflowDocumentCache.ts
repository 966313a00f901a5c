import { LRUCache } from 'lru-cache';
import { parseWorkflowDocument, type WorkflowDocument } from '@flow-like/core';

/**
 * Parsed documents by workflow id and version. A version never changes, so an
 * entry never goes stale; and keeping one document object per version keeps
 * its input schema compiled once (validators are compiled per schema object),
 * which otherwise costs every submission milliseconds of CPU.
 */
const parsedDocuments = new LRUCache<string, WorkflowDocument>({ max: 1_000 });

export function parsedWorkflowDocument(version: { workflowId: string; version: number; document: unknown }): WorkflowDocument {
  const key = `${version.workflowId}/${version.version}`;
  const cached = parsedDocuments.get(key);
  if (cached) return cached;
  const document = parseWorkflowDocument(version.document);
  parsedDocuments.set(key, document);
  return document;
}
