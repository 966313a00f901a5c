import type { AdmissionCandidate, AdmissionRound } from '@flow-like/db';

interface ProjectQueue {
  projectId: string;
  active: number;
  limit: number;
  /** its due executions, most urgent first */
  waiting: AdmissionCandidate[];
  next: number;
}

function head(queue: ProjectQueue): AdmissionCandidate | undefined {
  return queue.next < queue.waiting.length && queue.active < queue.limit ? queue.waiting[queue.next] : undefined;
}

/** Which of two projects deserves the next slot: the one holding fewer, then the more urgent and older head. */
function before(a: ProjectQueue, b: ProjectQueue): boolean {
  if (a.active !== b.active) return a.active < b.active;
  const x = head(a)!;
  const y = head(b)!;
  if (x.priority !== y.priority) return x.priority > y.priority;
  if (x.queuedAt.getTime() !== y.queuedAt.getTime()) return x.queuedAt < y.queuedAt;
  return x.id < y.id;
}

/**
 * Fair share by water-filling: each free slot goes to the project that holds
 * the fewest slots right now, so a project flooding the queue cannot keep
 * another project's first execution waiting for more than one turnover.
 * Within a project, priority (then age) decides, as the candidates arrive.
 */
export function planAdmissions(round: AdmissionRound): string[] {
  const queues = new Map<string, ProjectQueue>();
  for (const candidate of round.candidates) {
    let queue = queues.get(candidate.projectId);
    if (!queue) {
      queue = { projectId: candidate.projectId, active: candidate.projectActive, limit: candidate.projectLimit, waiting: [], next: 0 };
      queues.set(candidate.projectId, queue);
    }
    queue.waiting.push(candidate);
  }
  const chosen: string[] = [];
  while (chosen.length < round.globalFree) {
    let best: ProjectQueue | undefined;
    for (const queue of queues.values()) {
      if (head(queue) && (!best || before(queue, best))) best = queue;
    }
    if (!best) break;
    chosen.push(head(best)!.id);
    best.next += 1;
    best.active += 1;
  }
  return chosen;
}
