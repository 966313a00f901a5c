import jsonata from 'jsonata';
import type { InvalidIssue } from '../errors.js';

/**
 * Expressions are JSONata over `{ input, steps: { <id>: { output, status } } }`
 * (plus `item`/`index` inside a map). Parameters may embed expressions as
 * `{{ expr }}` templates: a string that is exactly one template takes the
 * expression's value with its type; otherwise each template is interpolated as text.
 */
const TEMPLATE = /\{\{([\s\S]*?)\}\}/g;
const WHOLE_TEMPLATE = /^\{\{([\s\S]*?)\}\}$/;

export type TemplatePart = { text: string } | { expression: string };

export function isTemplate(value: unknown): value is string {
  return typeof value === 'string' && value.includes('{{');
}

/** The whole-value expression of `"{{ expr }}"`, or undefined when the string mixes text and templates. */
export function wholeTemplateExpression(value: string): string | undefined {
  const match = WHOLE_TEMPLATE.exec(value.trim());
  if (!match || match[1]!.includes('}}')) return undefined;
  return match[1]!.trim();
}

export function templateParts(value: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of value.matchAll(TEMPLATE)) {
    if (match.index > last) parts.push({ text: value.slice(last, match.index) });
    parts.push({ expression: match[1]!.trim() });
    last = match.index + match[0].length;
  }
  if (last < value.length) parts.push({ text: value.slice(last) });
  return parts;
}

interface CompileFailure {
  message: string;
  position?: number;
}

/** Parse an expression; the error names the position so a user can find it in a long expression. */
export function checkExpression(expression: string): CompileFailure | undefined {
  if (expression.trim() === '') return { message: 'expression is empty' };
  try {
    jsonata(expression);
    return undefined;
  } catch (error) {
    const e = error as { message?: string; position?: number };
    const failure: CompileFailure = { message: `invalid expression: ${e.message ?? String(error)}` };
    if (typeof e.position === 'number') {
      failure.position = e.position;
      failure.message += ` (at character ${e.position})`;
    }
    return failure;
  }
}

/** Step ids an expression reads through `steps.<id>`; used to check that a step needs what it reads. */
export function referencedSteps(expression: string): Set<string> {
  const found = new Set<string>();
  let ast: unknown;
  try {
    ast = jsonata(expression).ast();
  } catch {
    return found;
  }
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const record = node as { type?: string; steps?: Array<{ type?: string; value?: unknown }> };
    if (record.type === 'path' && Array.isArray(record.steps)) {
      const [first, second] = record.steps;
      if (first?.type === 'name' && first.value === 'steps' && second?.type === 'name' && typeof second.value === 'string') {
        found.add(second.value);
      }
    }
    Object.values(node).forEach(visit);
  };
  visit(ast);
  return found;
}

/** Every expression inside a parameter value: `{{ }}` templates in strings, recursively through arrays and objects. */
export function templateExpressions(value: unknown, path: string): Array<{ path: string; expression: string }> {
  if (typeof value === 'string') {
    if (!isTemplate(value)) return [];
    return templateParts(value).flatMap((part) => ('expression' in part ? [{ path, expression: part.expression }] : []));
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => templateExpressions(item, `${path}/${i}`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => templateExpressions(item, `${path}/${escapePointer(key)}`));
  }
  return [];
}

export function expressionIssue(path: string, expression: string): InvalidIssue | undefined {
  const failure = checkExpression(expression);
  return failure ? { path, message: failure.message } : undefined;
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
