import { afterEach, describe, expect, it } from 'vitest';
import { renderScenario, scenarioValues } from './chartRenders.js';
import { expectRendered, helmTemplateAgainstCluster } from './k8sTools.js';
import { startLookupApiServer, type LookupApiServer } from './lookupApiServer.js';
import { findObject, parseManifests, type K8sObject } from './manifests.js';

function secretData(objects: K8sObject[], name: string): Record<string, string> {
  const data = findObject(objects, 'Secret', name).data as Record<string, string>;
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]));
}

const earlierInstall = {
  'flow-like-database': { 'postgres-password': 'postgres-password-of-the-first-install', DATABASE_URL: 'unused' },
  'flow-like-redis': { 'redis-password': 'redis-password-of-the-first-install', REDIS_URL: 'unused' },
  'flow-like-admin': { ADMIN_TOKEN: 'admin-token-of-the-first-install' },
};

describe('credentials the chart generates in auto mode', () => {
  let server: LookupApiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function upgradeRender(secrets: Record<string, Record<string, string>>): Promise<K8sObject[]> {
    server = await startLookupApiServer({ namespace: 'flow-like', release: 'flow-like' }, secrets);
    return parseManifests(expectRendered(await helmTemplateAgainstCluster({ ...scenarioValues('auto'), kubeconfig: server.kubeconfigPath })));
  }

  it('are random on a first install', () => {
    const first = secretData(renderScenario('auto'), 'flow-like-redis')['redis-password'];
    const second = secretData(renderScenario('auto', { 'api.replicas': '3' }), 'flow-like-redis')['redis-password'];
    expect(first).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(second).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(second).not.toBe(first);
  });

  it('are read back from the cluster on upgrade, and the connection URLs built from them', async () => {
    const objects = await upgradeRender(earlierInstall);
    const database = secretData(objects, 'flow-like-database');
    expect(database['postgres-password']).toBe('postgres-password-of-the-first-install');
    expect(new URL(database.DATABASE_URL ?? '').password).toBe('postgres-password-of-the-first-install');
    const redis = secretData(objects, 'flow-like-redis');
    expect(redis['redis-password']).toBe('redis-password-of-the-first-install');
    expect(new URL(redis.REDIS_URL ?? '').password).toBe('redis-password-of-the-first-install');
    expect(secretData(objects, 'flow-like-admin').ADMIN_TOKEN).toBe('admin-token-of-the-first-install');
    expect([...new Set(server?.secretReads())].sort()).toEqual(['flow-like/flow-like-admin', 'flow-like/flow-like-database', 'flow-like/flow-like-redis']);
  });

  it('generate only what the cluster does not hold yet', async () => {
    const objects = await upgradeRender({ 'flow-like-database': earlierInstall['flow-like-database'] });
    expect(secretData(objects, 'flow-like-database')['postgres-password']).toBe('postgres-password-of-the-first-install');
    expect(secretData(objects, 'flow-like-redis')['redis-password']).toMatch(/^[A-Za-z0-9]{32}$/);
  });
});
