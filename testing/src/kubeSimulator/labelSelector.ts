/**
 * Kubernetes label selector strings (`a=b,c!=d,e in (x,y),!f`), parsed the
 * way the API server reads the `labelSelector` query parameter.
 */
export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'doesnotexist' };

export class SelectorError extends Error {}

function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function parseRequirement(part: string): Requirement {
  const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
  if (set) {
    const values = (set[3] ?? '').split(',').map((v) => v.trim());
    return { key: set[1] ?? '', op: set[2] === 'in' ? 'in' : 'notin', values };
  }
  const notEqual = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(part);
  if (notEqual) return { key: notEqual[1] ?? '', op: 'notin', values: [notEqual[2] ?? ''] };
  const equal = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(part);
  if (equal) return { key: equal[1] ?? '', op: 'in', values: [equal[2] ?? ''] };
  const absent = /^!\s*([^\s!=]+)$/.exec(part);
  if (absent) return { key: absent[1] ?? '', op: 'doesnotexist' };
  if (/^[^\s!=(),]+$/.test(part)) return { key: part, op: 'exists' };
  throw new SelectorError(`unable to parse requirement: ${JSON.stringify(part)}`);
}

export function parseLabelSelector(selector: string | null | undefined): Requirement[] {
  if (!selector) return [];
  return splitTopLevel(selector).map(parseRequirement);
}

export function matchesLabels(requirements: readonly Requirement[], labels: Record<string, string> | undefined): boolean {
  const present = labels ?? {};
  return requirements.every((req) => {
    const value = present[req.key];
    switch (req.op) {
      case 'exists':
        return value !== undefined;
      case 'doesnotexist':
        return value === undefined;
      case 'in':
        return value !== undefined && req.values.includes(value);
      case 'notin':
        return value === undefined || !req.values.includes(value);
    }
  });
}
