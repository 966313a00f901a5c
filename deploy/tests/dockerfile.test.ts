import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderScenario } from './chartRenders.js';
import { dockerInstructions, execForm, lastOf, parseDockerfile, type Stage } from './dockerfile.js';
import { dockerignorePatterns, isDockerIgnored } from './dockerignore.js';
import { chartDir, expectRendered, kustomizeBuild, kustomizeDir, repoRoot } from './k8sTools.js';
import { containersOf, parseManifests, podSpecOf, type K8sObject } from './manifests.js';
import { EXECUTOR_USER_ID } from '@flow-like/dispatcher/kubernetes/jobManifest';
import { serviceOf, services } from './serviceEnv.js';
import { compilerLayoutOf, packageNameOf, sourceOfEntry, workspaceClosure, workspaceFolders } from './workspaceLayout.js';

const dockerfilePath = 'deploy/docker/Dockerfile';
const dockerfile = parseDockerfile(readFileSync(join(repoRoot, dockerfilePath), 'utf8'));
const ignored = dockerignorePatterns(readFileSync(join(repoRoot, '.dockerignore'), 'utf8'));
const { final } = dockerfile;

/** The workspaces the image runs, and every workspace they import. */
const shipped = workspaceClosure([...new Set(services.map((service) => service.entry.split('/')[0] as string))]);

function stageNamed(name: string): Stage {
  const stage = dockerfile.stages.find((candidate) => candidate.name === name);
  if (!stage) throw new Error(`${dockerfilePath} has no stage ${name}`);
  return stage;
}

function npmCi(stage: Stage): string | undefined {
  return stage.runs.find((run) => /\bnpm ci\b/.test(run));
}

const buildStage = dockerfile.stages.find((stage) => stage.runs.some((run) => /turbo run build|\btsc\b/.test(run)));

describe('the container image', () => {
  it('builds in several stages, each from a pinned Node 22 or 24 LTS slim image', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of dockerfile.stages) {
      expect(stage.base, `stage ${stage.name}`).toMatch(/^(docker\.io\/library\/)?node:(22|24)\.\d+\.\d+-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/);
    }
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const fromContext = dockerfile.stages.flatMap((stage) => stage.copies.filter((copy) => copy.from === undefined));
    expect(fromContext.length).toBeGreaterThan(0);
    for (const copy of fromContext) {
      for (const source of copy.sources) {
        const path = posix.normalize(source).replace(/\/$/, '');
        expect(existsSync(join(repoRoot, path)), `line ${copy.line}: ${source} is not in the repository`).toBe(true);
        expect(isDockerIgnored(path, ignored), `line ${copy.line}: .dockerignore leaves ${source} out`).toBe(false);
      }
    }
  });

  it('keeps host node_modules, build output and tests out of the build context', () => {
    for (const path of ['node_modules/zod/package.json', 'api/node_modules/x', 'api/dist/main.js', 'db/dist/.tsbuildinfo', 'api/src/app.test.ts', '.tools/bin/helm']) {
      expect(isDockerIgnored(path, ignored), path).toBe(true);
    }
  });

  it('lets in the sources, compiler settings and migrations of every shipped workspace', () => {
    const needed = [
      ...shipped.flatMap((folder) => [`${folder}/tsconfig.json`, `${folder}/package.json`]),
      ...services.flatMap((service) => sourceOfEntry(service.entry) ?? []),
      'db/drizzle/meta/_journal.json',
      'tsconfig.base.json',
    ];
    expect(needed.filter((path) => !existsSync(join(repoRoot, path)))).toEqual([]);
    expect(needed.filter((path) => isDockerIgnored(path, ignored))).toEqual([]);
  });

  it('gives npm ci every workspace manifest and the lock file in each stage that installs', () => {
    const installing = dockerfile.stages.filter((stage) => npmCi(stage));
    expect(installing.length).toBeGreaterThanOrEqual(2);
    for (const stage of installing) {
      const copied = stage.copies.filter((copy) => copy.from === undefined).flatMap((copy) => copy.sources);
      expect(copied, `stage ${stage.name}`).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', ...workspaceFolders().map((folder) => `${folder}/package.json`)]));
    }
  });

  it('compiles every workspace the services import, with the shared compiler settings', () => {
    if (!buildStage) throw new Error(`${dockerfilePath} has no stage that compiles TypeScript`);
    const copiedFolders = buildStage.copies.filter((copy) => copy.from === undefined).flatMap((copy) => copy.sources);
    for (const folder of shipped) {
      expect(copiedFolders, `sources of ${folder}`).toContain(folder);
      const layout = compilerLayoutOf(folder);
      expect([layout.rootDir, layout.outDir], `${folder}/tsconfig.json`).toEqual(['src', 'dist']);
      if (layout.extends) expect(copiedFolders).toContain(posix.normalize(posix.join(folder, layout.extends)));
    }
    const build = buildStage.runs.find((run) => run.includes('turbo run build')) ?? '';
    const filtered = [...build.matchAll(/--filter=(\S+)/g)].map((match) => match[1]);
    const names = shipped.map(packageNameOf);
    for (const name of filtered) expect(names, 'turbo filter').toContain(name);
    for (const service of services) expect(filtered).toContain(packageNameOf(service.entry.split('/')[0] as string));
  });

  it('ships production dependencies of the shipped workspaces only', () => {
    const fromStages = final.copies.filter((copy) => copy.from !== undefined);
    const dependencyCopies = fromStages.filter((copy) => copy.sources.some((source) => source === '/app' || source.includes('node_modules')));
    expect(dependencyCopies.length).toBeGreaterThan(0);
    for (const copy of dependencyCopies) {
      const install = npmCi(stageNamed(copy.from as string)) ?? '';
      expect(install, `stage ${copy.from}`).toContain('--omit=dev');
      const workspaces = [...install.matchAll(/--workspace=(\S+)/g)].map((match) => match[1]).sort();
      expect(workspaces, `stage ${copy.from} installs for`).toEqual(shipped);
    }
    for (const copy of fromStages.filter((candidate) => !dependencyCopies.includes(candidate))) {
      for (const source of copy.sources) expect(source, `line ${copy.line}`).toMatch(/^\/app\/[a-z]+\/(dist|drizzle)$/);
    }
  });

  it('contains the compiled entry of every service and the committed migrations', () => {
    const fromBuild = final.copies.filter((copy) => copy.from === buildStage?.name).flatMap((copy) => copy.sources);
    for (const folder of shipped) expect(fromBuild, `compiled ${folder}`).toContain(`/app/${folder}/dist`);
    for (const service of services) expect(sourceOfEntry(service.entry), `source of ${service.entry}`).toBeDefined();
    expect(existsSync(join(repoRoot, 'db/drizzle/meta/_journal.json'))).toBe(true);
    expect(fromBuild).toContain('/app/db/drizzle');
  });

  it('runs as a numeric non-root user, the one the chart runs its pods and the dispatcher its executor Jobs as', () => {
    const user = lastOf(final, 'USER')?.text ?? '';
    expect(user).toMatch(/^\d+:\d+$/);
    const [uid, gid] = user.split(':').map(Number);
    expect(uid).not.toBe(0);
    const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as { podSecurityContext: { runAsUser: number; runAsGroup: number } };
    expect([values.podSecurityContext.runAsUser, values.podSecurityContext.runAsGroup]).toEqual([uid, gid]);
    expect([EXECUTOR_USER_ID, EXECUTOR_USER_ID]).toEqual([uid, gid]);
  });

  it('starts tini as PID 1 and the api by default', () => {
    expect(execForm(lastOf(final, 'ENTRYPOINT'))).toEqual(['/usr/bin/tini', '--']);
    expect(final.runs.some((run) => /apt-get install[^&]*\btini\b/.test(run))).toBe(true);
    expect(execForm(lastOf(final, 'CMD'))).toEqual(['node', 'api/dist/main.js']);
    expect(lastOf(final, 'ENV')?.text).toContain('NODE_ENV=production');
  });

  it('is started by the chart and the overlays with a service it contains, tini kept as entrypoint', () => {
    const rendered: [string, K8sObject[]][] = [
      ['chart', renderScenario('auto')],
      ['kustomize', parseManifests(expectRendered(kustomizeBuild(join(kustomizeDir, 'overlays/auto'))))],
    ];
    for (const [source, objects] of rendered) {
      const ours = objects
        .flatMap((object) => containersOf(podSpecOf(object) ?? { containers: [] }))
        .filter((container) => container.image?.startsWith('ghcr.io/tm9657/flow-like-k8s:'));
      const started = ours.map((container) => serviceOf(container)?.name).filter((name) => name !== undefined).sort();
      expect(started, source).toEqual(['api', 'dispatcher', 'migrate']);
      for (const container of ours) expect(container.command, `${source} ${container.name} replaces the tini entrypoint`).toBeUndefined();
    }
  });
});

describe('Dockerfile reading', () => {
  it('joins continued lines and drops comments', () => {
    const instructions = dockerInstructions('FROM a AS b\n# note\nRUN one \\\n  # inside\n  two\nCMD ["x"]\n');
    expect(instructions.map((instruction) => [instruction.keyword, instruction.text])).toEqual([
      ['FROM', 'a AS b'],
      ['RUN', 'one two'],
      ['CMD', '["x"]'],
    ]);
  });

  it('substitutes build arguments in FROM and refuses one without a default', () => {
    expect(parseDockerfile('ARG IMAGE=node:24.1.0-bookworm-slim\nFROM ${IMAGE} AS x\n').final.base).toBe('node:24.1.0-bookworm-slim');
    expect(() => parseDockerfile('ARG IMAGE\nFROM $IMAGE\n')).toThrow('ARG IMAGE without a default');
  });

  it('matches .dockerignore patterns like Docker, including re-inclusion', () => {
    const patterns = ['**/dist', 'deploy', '!deploy/keep.txt'];
    expect(isDockerIgnored('api/dist/x.js', patterns)).toBe(true);
    expect(isDockerIgnored('dist', patterns)).toBe(true);
    expect(isDockerIgnored('api/distribution.ts', patterns)).toBe(false);
    expect(isDockerIgnored('deploy/helm/Chart.yaml', patterns)).toBe(true);
    expect(isDockerIgnored('deploy/keep.txt', patterns)).toBe(false);
  });
});
