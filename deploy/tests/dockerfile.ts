export interface Instruction {
  keyword: string;
  /** the instruction's text after the keyword, continuation lines joined */
  text: string;
  line: number;
}

export interface Copy {
  from?: string;
  sources: string[];
  destination: string;
  line: number;
}

export interface Stage {
  name: string;
  /** the base image with build arguments substituted */
  base: string;
  instructions: Instruction[];
  copies: Copy[];
  runs: string[];
}

export interface Dockerfile {
  stages: Stage[];
  final: Stage;
}

/** Instructions in order; comments dropped and backslash-continued lines joined. */
export function dockerInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (pending === undefined && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (pending !== undefined && trimmed.startsWith('#')) return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending ? { ...pending, text: `${pending.text} ${part}` } : { text: part, line: index + 1 };
    if (continued) return;
    const [keyword = '', ...rest] = pending.text.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), text: rest.join(' '), line: pending.line });
    pending = undefined;
  });
  return instructions;
}

/** The words of an exec-form (JSON array) instruction, or undefined for shell form. */
export function execForm(instruction: Instruction | undefined): string[] | undefined {
  if (!instruction?.text.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(instruction.text);
  return Array.isArray(parsed) && parsed.every((word) => typeof word === 'string') ? parsed : undefined;
}

function parseCopy(instruction: Instruction): Copy {
  const words = instruction.text.split(/\s+/);
  const flags = words.filter((word) => word.startsWith('--'));
  const paths = words.filter((word) => !word.startsWith('--'));
  const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
  const destination = paths.pop();
  if (!destination || paths.length === 0) throw new Error(`line ${instruction.line}: COPY needs a source and a destination`);
  return { ...(from ? { from } : {}), sources: paths, destination, line: instruction.line };
}

/** Splits a Dockerfile into its stages, substituting global ARG defaults in FROM lines. */
export function parseDockerfile(text: string): Dockerfile {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of dockerInstructions(text)) {
    const current = stages.at(-1);
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.text.split(/\s+/);
      const base = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_match, braced: string | undefined, bare: string | undefined) => {
        const value = args.get(braced ?? bare ?? '');
        if (value === undefined) throw new Error(`line ${instruction.line}: FROM uses ARG ${braced ?? bare} without a default`);
        return value;
      });
      stages.push({ name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length), base, instructions: [], copies: [], runs: [] });
    } else if (!current) {
      if (instruction.keyword !== 'ARG') throw new Error(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
      const [name = '', value] = instruction.text.split('=');
      if (value !== undefined) args.set(name, value);
    } else {
      current.instructions.push(instruction);
      if (instruction.keyword === 'COPY') current.copies.push(parseCopy(instruction));
      if (instruction.keyword === 'RUN') current.runs.push(instruction.text);
    }
  }
  const final = stages.at(-1);
  if (!final) throw new Error('the Dockerfile has no FROM');
  return { stages, final };
}

/** The last instruction of a kind in a stage, which is the one that takes effect. */
export function lastOf(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword).at(-1);
}
