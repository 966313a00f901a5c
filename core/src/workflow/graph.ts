import type { StepDefinition } from './document.js';

/**
 * Edges of the step graph: explicit `needs`, plus the implicit edge from a
 * branch to each step it selects (a selected step cannot start before its
 * branch decides).
 */
export function dependenciesOf(steps: readonly StepDefinition[]): Map<string, Set<string>> {
  const deps = new Map<string, Set<string>>(steps.map((s) => [s.id, new Set(s.needs)]));
  for (const step of steps) {
    if (step.type !== 'branch') continue;
    for (const target of branchTargets(step)) deps.get(target)?.add(step.id);
  }
  return deps;
}

export function branchTargets(step: StepDefinition): string[] {
  const cases = (step.params['cases'] ?? {}) as Record<string, unknown>;
  const all = [...Object.values(cases), step.params['default'] ?? []].flat();
  return [...new Set(all.filter((t): t is string => typeof t === 'string'))];
}

/** One cycle as a path of ids (first id repeated at the end), or undefined. */
export function findCycle(deps: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const seen = state.get(id);
    if (seen === 'done') return undefined;
    if (seen === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of deps.get(id) ?? []) {
      if (!deps.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of deps.keys()) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Every step that `id` transitively depends on. Assumes no cycle. */
export function ancestorsOf(id: string, deps: ReadonlyMap<string, ReadonlySet<string>>): Set<string> {
  const found = new Set<string>();
  const pending = [...(deps.get(id) ?? [])];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (found.has(next)) continue;
    found.add(next);
    pending.push(...(deps.get(next) ?? []));
  }
  return found;
}

/** Steps no other step depends on: what a workflow without an output expression returns. */
export function finalSteps(steps: readonly StepDefinition[]): string[] {
  const needed = new Set([...dependenciesOf(steps).values()].flatMap((d) => [...d]));
  return steps.map((s) => s.id).filter((id) => !needed.has(id));
}
