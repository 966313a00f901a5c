import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const chartDir = join(repoRoot, 'deploy/helm/flow-like');
export const kustomizeDir = join(repoRoot, 'deploy/kustomize');

const toolsBin = join(repoRoot, '.tools/bin');
let installed = false;
let helmHome: string | undefined;

function ensureTools(): void {
  if (installed) return;
  execFileSync('bash', [join(repoRoot, 'scripts/install-k8s-tools.sh')], { stdio: 'pipe' });
  installed = true;
}

/** Helm keeps caches and plugins in these; a temp dir keeps tests off $HOME. */
function helmEnv(): NodeJS.ProcessEnv {
  helmHome ??= mkdtempSync(join(tmpdir(), 'flow-like-helm-'));
  return {
    ...process.env,
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
  };
}

export interface ToolResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

function run(tool: 'helm' | 'kubectl', args: string[]): ToolResult {
  ensureTools();
  try {
    const stdout = execFileSync(join(toolsBin, tool), args, {
      env: helmEnv(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    return { ok: true, stdout, stderr: '' };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

/** Runs without blocking, for tests whose own servers must answer the tool. */
function runAsync(tool: 'helm' | 'kubectl', args: string[]): Promise<ToolResult> {
  ensureTools();
  return new Promise((done) => {
    execFile(join(toolsBin, tool), args, { env: helmEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ ok: error === null, stdout, stderr: error === null ? '' : stderr || String(error) }),
    );
  });
}

export interface HelmRender {
  valuesFiles?: string[];
  set?: Record<string, string>;
  release?: string;
  namespace?: string;
}

function helmArgs({ valuesFiles = [], set = {} }: HelmRender): string[] {
  return [
    ...valuesFiles.flatMap((file) => ['-f', resolve(chartDir, file)]),
    ...Object.entries(set).flatMap(([key, value]) => ['--set', `${key}=${value}`]),
  ];
}

export function helmTemplate(render: HelmRender): ToolResult {
  const { release = 'flow-like', namespace = 'flow-like' } = render;
  return run('helm', ['template', release, chartDir, '--namespace', namespace, ...helmArgs(render)]);
}

/**
 * Renders against the API server in `kubeconfig`, so `lookup` reads the
 * cluster as on `helm upgrade`. Schema validation stays with this suite's
 * own OpenAPI checks.
 */
export function helmTemplateAgainstCluster(render: HelmRender & { kubeconfig: string }): Promise<ToolResult> {
  const { release = 'flow-like', namespace = 'flow-like', kubeconfig } = render;
  return runAsync('helm', [
    'template', release, chartDir, '--namespace', namespace, '--kubeconfig', kubeconfig,
    '--dry-run=server', '--disable-openapi-validation', ...helmArgs(render),
  ]);
}

/** A client-side dry-run install: the one offline way to see NOTES.txt rendered. */
export function helmInstallDryRun(render: HelmRender): ToolResult {
  const { release = 'flow-like', namespace = 'flow-like' } = render;
  return run('helm', ['install', release, chartDir, '--namespace', namespace, '--dry-run=client', ...helmArgs(render)]);
}

export function helmLint(render: HelmRender): ToolResult {
  return run('helm', ['lint', chartDir, '--strict', ...helmArgs(render)]);
}

export function kustomizeBuild(directory: string): ToolResult {
  return run('kubectl', ['kustomize', directory]);
}

/** Throws with the tool's own message, so a failed render reads as its cause. */
export function expectRendered(result: ToolResult): string {
  if (!result.ok) throw new Error(`render failed:\n${result.stderr}`);
  return result.stdout;
}
