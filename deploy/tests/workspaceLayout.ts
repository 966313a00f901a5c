import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './k8sTools.js';

interface PackageManifest {
  name: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
}

function readManifest(folder: string): PackageManifest {
  return JSON.parse(readFileSync(join(repoRoot, folder, 'package.json'), 'utf8')) as PackageManifest;
}

/** The npm workspaces of the repository, as folder names. */
export function workspaceFolders(): string[] {
  return readManifest('.').workspaces ?? [];
}

export function packageNameOf(folder: string): string {
  return readManifest(folder).name;
}

/** The folder and every workspace it depends on at run time, transitively. */
export function workspaceClosure(folders: string[]): string[] {
  const byName = new Map(workspaceFolders().map((folder) => [packageNameOf(folder), folder]));
  const seen = new Set<string>();
  const visit = (folder: string): void => {
    if (seen.has(folder)) return;
    seen.add(folder);
    for (const dependency of Object.keys(readManifest(folder).dependencies ?? {})) {
      const workspace = byName.get(dependency);
      if (workspace) visit(workspace);
    }
  };
  folders.forEach(visit);
  return [...seen].sort();
}

/** A compiled script (`api/dist/main.js`) mapped back to its source file, or undefined when that is missing. */
export function sourceOfEntry(entry: string): string | undefined {
  const [folder, ...rest] = entry.split('/');
  if (!folder || rest[0] !== 'dist') return undefined;
  const source = join(folder, 'src', ...rest.slice(1)).replace(/\.js$/, '.ts');
  return existsSync(join(repoRoot, source)) ? source : undefined;
}

export interface CompilerLayout {
  rootDir?: string;
  outDir?: string;
  extends?: string;
}

export function compilerLayoutOf(folder: string): CompilerLayout {
  const config = JSON.parse(readFileSync(join(repoRoot, folder, 'tsconfig.json'), 'utf8')) as {
    extends?: string;
    compilerOptions?: { rootDir?: string; outDir?: string };
  };
  return { ...config.compilerOptions, ...(config.extends ? { extends: config.extends } : {}) };
}
