import type { z } from 'zod';
import { Invalid, type InvalidIssue } from '../errors.js';
import { STEP_ID, workflowDocumentSchema, type StepDefinition, type WorkflowDocument } from './document.js';
import { escapePointer, expressionIssue, isTemplate, referencedSteps, templateExpressions } from './expressions.js';
import { ancestorsOf, branchTargets, dependenciesOf, findCycle } from './graph.js';
import { EXPRESSION_PARAMS, STEP_PARAMS, UNRESOLVED_PARAMS, isStepType, mapTemplate, type StepType } from './stepParams.js';
import { inputSchemaIssues } from './input.js';

function pointer(segments: ReadonlyArray<PropertyKey>): string {
  return segments.map((s) => '/' + escapePointer(String(s))).join('');
}

function zodIssues(error: z.ZodError, base: string): InvalidIssue[] {
  return error.issues.map((issue) => ({ path: base + pointer(issue.path), message: issue.message }));
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[String(key)];
  }
  return current;
}

/**
 * Check one step's parameters against its type. A `{{ }}` template stands for
 * a value only known at run time, so a type mismatch on a template is not an
 * error here; the step checks its resolved parameters again before it runs.
 */
function paramIssues(type: StepType, params: Record<string, unknown>, base: string): InvalidIssue[] {
  const result = STEP_PARAMS[type].safeParse(params);
  const issues = result.success
    ? []
    : result.error.issues
        .filter((issue) => !isTemplate(valueAt(params, issue.path)))
        .map((issue) => ({ path: base + pointer(issue.path), message: issue.message }));
  for (const name of EXPRESSION_PARAMS[type]) {
    const value = params[name];
    if (typeof value === 'string') {
      const issue = expressionIssue(`${base}/${name}`, value);
      if (issue) issues.push(issue);
    }
  }
  for (const [name, value] of Object.entries(params)) {
    if (UNRESOLVED_PARAMS[type].includes(name)) continue;
    for (const found of templateExpressions(value, `${base}/${escapePointer(name)}`)) {
      const issue = expressionIssue(found.path, found.expression);
      if (issue) issues.push(issue);
    }
  }
  if (type === 'map' && issues.length === 0) issues.push(...mapTemplateIssues(params['step'], `${base}/step`));
  return issues;
}

function mapTemplateIssues(raw: unknown, base: string): InvalidIssue[] {
  const parsed = mapTemplate.safeParse(raw);
  if (!parsed.success) return zodIssues(parsed.error, base);
  const template = parsed.data;
  if (!isStepType(template.type)) return [{ path: `${base}/type`, message: `unknown step type "${template.type}"` }];
  if (template.type === 'branch') return [{ path: `${base}/type`, message: 'a map cannot run a branch for each item' }];
  const issues = paramIssues(template.type, template.params, `${base}/params`);
  if (template.output) {
    const issue = expressionIssue(`${base}/output`, template.output);
    if (issue) issues.push(issue);
  }
  return issues;
}

/** Every expression a step evaluates, with its path: to check, and at run time to know, what each one reads. */
export function stepExpressions(step: StepDefinition, base: string): Array<{ path: string; expression: string }> {
  const found: Array<{ path: string; expression: string }> = [];
  if (step.if) found.push({ path: `${base}/if`, expression: step.if });
  if (step.output) found.push({ path: `${base}/output`, expression: step.output });
  for (const name of EXPRESSION_PARAMS[step.type]) {
    const value = step.params[name];
    if (typeof value === 'string') found.push({ path: `${base}/params/${name}`, expression: value });
  }
  for (const [name, value] of Object.entries(step.params)) {
    if (!UNRESOLVED_PARAMS[step.type].includes(name)) found.push(...templateExpressions(value, `${base}/params/${escapePointer(name)}`));
  }
  if (step.type === 'map') {
    const template = step.params['step'] as { params?: Record<string, unknown>; output?: string } | undefined;
    found.push(...templateExpressions(template?.params ?? {}, `${base}/params/step/params`));
    if (template?.output) found.push({ path: `${base}/params/step/output`, expression: template.output });
  }
  return found;
}

function structureIssues(document: WorkflowDocument): InvalidIssue[] {
  const issues: InvalidIssue[] = [];
  const firstIndex = new Map<string, number>();
  document.steps.forEach((step, i) => {
    const base = `/steps/${i}`;
    if (!STEP_ID.test(step.id)) {
      issues.push({ path: `${base}/id`, message: 'must start with a letter and hold only letters, digits and "_" (at most 64)' });
    } else if (firstIndex.has(step.id)) {
      issues.push({ path: `${base}/id`, message: `duplicate step id "${step.id}" (also /steps/${firstIndex.get(step.id)})` });
    } else {
      firstIndex.set(step.id, i);
    }
  });
  document.steps.forEach((step, i) => {
    const base = `/steps/${i}`;
    const needs = new Set<string>();
    step.needs.forEach((need, j) => {
      if (need === step.id) issues.push({ path: `${base}/needs/${j}`, message: 'a step cannot need itself' });
      else if (!firstIndex.has(need)) issues.push({ path: `${base}/needs/${j}`, message: `needs unknown step "${need}"` });
      else if (needs.has(need)) issues.push({ path: `${base}/needs/${j}`, message: `"${need}" is listed twice` });
      needs.add(need);
    });
    if (!isStepType(step.type)) {
      issues.push({ path: `${base}/type`, message: `unknown step type "${step.type}"` });
      return;
    }
    issues.push(...paramIssues(step.type, step.params, `${base}/params`));
    for (const name of ['if', 'output'] as const) {
      const expression = step[name];
      const issue = expression === undefined ? undefined : expressionIssue(`${base}/${name}`, expression);
      if (issue) issues.push(issue);
    }
    if (step.type === 'branch') {
      const cases = (step.params['cases'] ?? {}) as Record<string, unknown[]>;
      const lists: Array<[string, unknown[]]> = [
        ...Object.entries(cases).map(([key, list]): [string, unknown[]] => [`cases/${escapePointer(key)}`, list]),
        ['default', (step.params['default'] ?? []) as unknown[]],
      ];
      for (const [where, list] of lists) {
        list.forEach((target, j) => {
          const path = `${base}/params/${where}/${j}`;
          if (target === step.id) issues.push({ path, message: 'a branch cannot select itself' });
          else if (typeof target === 'string' && !firstIndex.has(target)) issues.push({ path, message: `selects unknown step "${target}"` });
        });
      }
    }
  });
  return issues;
}

function graphIssues(document: WorkflowDocument): InvalidIssue[] {
  const deps = dependenciesOf(document.steps);
  const cycle = findCycle(deps);
  const index = new Map(document.steps.map((s, i) => [s.id, i]));
  if (cycle) {
    return [{ path: `/steps/${index.get(cycle[0]!)}/needs`, message: `dependency cycle: ${cycle.join(' → ')}` }];
  }
  const issues: InvalidIssue[] = [];
  document.steps.forEach((step, i) => {
    const ancestors = ancestorsOf(step.id, deps);
    for (const { path, expression } of stepExpressions(step, `/steps/${i}`)) {
      for (const read of referencedSteps(expression)) {
        if (!index.has(read)) issues.push({ path, message: `reads unknown step "${read}"` });
        else if (!ancestors.has(read)) {
          issues.push({ path, message: `reads steps.${read} but does not need it: add "${read}" to needs` });
        }
      }
    }
  });
  if (document.output) {
    for (const read of referencedSteps(document.output)) {
      if (!index.has(read)) issues.push({ path: '/output', message: `reads unknown step "${read}"` });
    }
  }
  return issues;
}

/**
 * Parse and fully check a workflow document: everything that can be known
 * before a run is checked here, so a bad document is refused at registration
 * with the JSON-pointer path of each problem, not discovered mid-run.
 */
export function parseWorkflowDocument(raw: unknown): WorkflowDocument {
  const parsed = workflowDocumentSchema.safeParse(raw);
  if (!parsed.success) throw new Invalid(zodIssues(parsed.error, ''));
  const document = parsed.data as WorkflowDocument;
  const issues = structureIssues(document);
  if (document.output) {
    const issue = expressionIssue('/output', document.output);
    if (issue) issues.push(issue);
  }
  if (document.inputSchema) issues.push(...inputSchemaIssues(document.inputSchema));
  if (issues.length === 0) issues.push(...graphIssues(document));
  if (issues.length > 0) throw new Invalid(issues);
  return document;
}
