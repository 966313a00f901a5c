import jsonata from 'jsonata';
import { UNRESOLVED_PARAMS, isTemplate, templateParts, wholeTemplateExpression, type StepType } from '@flow-like/core';
import { StepError } from './failure.js';

/** What expressions see: `{ input, steps: { <id>: { output, status } } }`, plus `item`/`index` in a map, `result` in an output expression. */
export type Scope = Record<string, unknown>;

const compiled = new Map<string, jsonata.Expression>();

function compile(expression: string): jsonata.Expression {
  let found = compiled.get(expression);
  if (!found) {
    try {
      found = jsonata(expression);
    } catch (error) {
      throw new StepError('expression', `invalid expression ${JSON.stringify(expression)}: ${(error as Error).message}`, false);
    }
    compiled.set(expression, found);
  }
  return found;
}

/** JSONata sequences carry extra properties and `undefined` means "no match": outputs are plain JSON. */
function plain(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as unknown;
}

export async function evaluate(expression: string, scope: Scope): Promise<unknown> {
  const compiledExpression = compile(expression);
  try {
    return plain(await compiledExpression.evaluate(scope));
  } catch (error) {
    throw new StepError('expression', `expression ${JSON.stringify(expression)} failed: ${(error as Error).message}`, false);
  }
}

export async function evaluateCondition(expression: string, scope: Scope): Promise<boolean> {
  const value = await evaluate(expression, scope);
  return Array.isArray(value) ? value.length > 0 : Boolean(value);
}

async function resolveValue(value: unknown, scope: Scope): Promise<unknown> {
  if (typeof value === 'string') {
    if (!isTemplate(value)) return value;
    const whole = wholeTemplateExpression(value);
    if (whole !== undefined) return evaluate(whole, scope);
    const parts = await Promise.all(
      templateParts(value).map(async (part) => {
        if ('text' in part) return part.text;
        const result = await evaluate(part.expression, scope);
        return typeof result === 'string' ? result : JSON.stringify(result);
      }),
    );
    return parts.join('');
  }
  if (Array.isArray(value)) return Promise.all(value.map((item) => resolveValue(item, scope)));
  if (value && typeof value === 'object') {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveValue(v, scope)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}

/** Replace `{{ }}` templates in a step's parameters, leaving the ones the step evaluates itself. */
export async function resolveParams(type: StepType, params: Record<string, unknown>, scope: Scope): Promise<Record<string, unknown>> {
  const keep = UNRESOLVED_PARAMS[type];
  const entries = await Promise.all(
    Object.entries(params).map(async ([key, value]) => [key, keep.includes(key) ? value : await resolveValue(value, scope)] as const),
  );
  return Object.fromEntries(entries);
}
