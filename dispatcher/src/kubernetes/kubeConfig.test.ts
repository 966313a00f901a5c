import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from './kubeConfig.js';

const kubeconfig = (server: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server } }],
    users: [{ name: 'u', user: { token: 't' } }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'flow-like' } }],
    'current-context': 'ctx',
  });

describe('loadKubeConfig', () => {
  let directory: string;
  let path: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'kubeconfig-'));
    path = join(directory, 'config');
    await writeFile(path, kubeconfig('https://api.example:6443'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('an explicit kubeconfig file wins, even inside a pod', () => {
    expect(loadKubeConfig({ kubeconfigPath: path, inCluster: true }).getCurrentCluster()?.server).toBe('https://api.example:6443');
  });

  it('a missing kubeconfig file fails at start with its path', () => {
    expect(() => loadKubeConfig({ kubeconfigPath: join(directory, 'absent'), inCluster: false })).toThrow(/absent/);
  });
});
