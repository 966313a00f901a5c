import { describe, expect, it } from 'vitest';
import type { AdmissionCandidate } from '@flow-like/db';
import { planAdmissions } from './planAdmissions.js';

const t0 = new Date('2026-01-01T00:00:00Z');

function queued(projectId: string, n: number, load: { active: number; limit: number }, priority = 0): AdmissionCandidate[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${projectId}-${String(i).padStart(3, '0')}`,
    projectId,
    priority,
    queuedAt: new Date(t0.getTime() + i),
    projectActive: load.active,
    projectLimit: load.limit,
  }));
}

describe('planAdmissions', () => {
  it('gives the next free slot to the project holding the fewest slots, however long the other queue is', () => {
    const flood = queued('a', 50, { active: 9, limit: 100 });
    const newcomer = queued('b', 1, { active: 0, limit: 100 });
    expect(planAdmissions({ globalFree: 1, candidates: [...flood, ...newcomer] })).toEqual(['b-000']);
  });

  it('shares several free slots out evenly between busy projects', () => {
    const candidates = [...queued('a', 10, { active: 0, limit: 10 }), ...queued('b', 10, { active: 0, limit: 10 }), ...queued('c', 10, { active: 2, limit: 10 })];
    const chosen = planAdmissions({ globalFree: 7, candidates });
    const perProject = (p: string) => chosen.filter((id) => id.startsWith(p)).length;
    expect([perProject('a'), perProject('b'), perProject('c')]).toEqual([3, 3, 1]);
  });

  it('never takes more than a project has free slots or the install has free slots', () => {
    const candidates = [...queued('a', 10, { active: 8, limit: 10 }), ...queued('b', 10, { active: 0, limit: 1 })];
    expect(planAdmissions({ globalFree: 100, candidates })).toHaveLength(3);
    expect(planAdmissions({ globalFree: 2, candidates })).toHaveLength(2);
    expect(planAdmissions({ globalFree: 0, candidates })).toEqual([]);
  });

  it('keeps each project in its own order: the candidates arrive most urgent first', () => {
    const urgent = queued('a', 2, { active: 0, limit: 5 }, 90);
    const rest = queued('a', 2, { active: 0, limit: 5 }, 10).map((c) => ({ ...c, id: `${c.id}-low` }));
    expect(planAdmissions({ globalFree: 3, candidates: [...urgent, ...rest] })).toEqual(['a-000', 'a-001', 'a-000-low']);
  });

  it('breaks a tie between equally loaded projects by urgency, then age', () => {
    const low = queued('a', 1, { active: 1, limit: 5 }, 10);
    const high = queued('b', 1, { active: 1, limit: 5 }, 80);
    expect(planAdmissions({ globalFree: 1, candidates: [...low, ...high] })).toEqual(['b-000']);
    const older = queued('c', 1, { active: 1, limit: 5 });
    const younger = queued('d', 1, { active: 1, limit: 5 }).map((c) => ({ ...c, queuedAt: new Date(t0.getTime() + 1000) }));
    expect(planAdmissions({ globalFree: 1, candidates: [...younger, ...older] })).toEqual(['c-000']);
  });
});
