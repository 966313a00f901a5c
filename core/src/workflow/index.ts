import { z } from 'zod';
import { Invalid } from '../errors.js';

/**
 * Minimal workflow document: a name and a list of steps. The workflow runtime
 * grows this into the full format (step types, expressions, input schema).
 */
const documentSchema = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(10_000).optional(),
  steps: z
    .array(
      z.object({
        id: z.string().min(1).max(100),
        type: z.literal('transform'),
        params: z.object({ value: z.unknown() }),
      }),
    )
    .min(1),
});

export type WorkflowDocument = z.infer<typeof documentSchema>;

export function parseWorkflowDocument(raw: unknown): WorkflowDocument {
  const result = documentSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new Invalid(result.error.issues.map((i) => ({ path: '/' + i.path.join('/'), message: i.message })));
}

export function validateWorkflowInput(_document: WorkflowDocument, input: unknown): void {
  if (input === undefined) throw new Invalid('input is required', '/input');
}
