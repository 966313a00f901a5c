import { Ajv, type ValidateFunction } from 'ajv';
import { Invalid, type InvalidIssue } from '../errors.js';
import type { WorkflowDocument } from './document.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

function compile(schema: Record<string, unknown>): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

export function inputSchemaIssues(schema: Record<string, unknown>): InvalidIssue[] {
  try {
    compile(schema);
    return [];
  } catch (error) {
    return [{ path: '/inputSchema', message: `invalid JSON Schema: ${(error as Error).message}` }];
  }
}

/** Check an execution input against the workflow's input schema; paths are under `/input`. */
export function validateWorkflowInput(document: WorkflowDocument, input: unknown): void {
  if (input === undefined) throw new Invalid('input is required', '/input');
  if (!document.inputSchema) return;
  const validate = compile(document.inputSchema);
  if (validate(input)) return;
  throw new Invalid(
    (validate.errors ?? []).map((e) => ({
      path: '/input' + e.instancePath,
      message: e.keyword === 'additionalProperties' ? `${e.message} "${String(e.params['additionalProperty'])}"` : (e.message ?? 'is invalid'),
    })),
  );
}
