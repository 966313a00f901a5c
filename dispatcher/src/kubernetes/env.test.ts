import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseConfig } from '@flow-like/core';
import { checkKubernetesEnv, kubernetesEnv, kubernetesLauncherConfigFrom } from './env.js';

const schema = z.object(kubernetesEnv);
const withLauncherCheck = schema.superRefine(checkKubernetesEnv);
const required = { EXECUTOR_IMAGE: 'ghcr.io/flow-like/executor:1', EXECUTOR_DATABASE_SECRET_NAME: 'flow-like-db' };

describe('kubernetes launcher env', () => {
  it('fills the documented defaults', () => {
    const env = parseConfig(schema, required);
    const config = kubernetesLauncherConfigFrom(env, { LOG_LEVEL: 'info' });
    expect(config).toMatchObject({
      namespace: 'default',
      instanceName: 'flow-like',
      imagePullPolicy: 'IfNotPresent',
      command: ['node', 'executor/dist/main.js'],
      resources: { cpuRequest: '100m', memoryRequest: '128Mi', cpuLimit: '1', memoryLimit: '512Mi', maxCpu: '4', maxMemory: '4Gi' },
      nodeSelector: {},
      tolerations: [],
      imagePullSecrets: [],
      ttlSecondsAfterFinished: 3600,
      databaseSecret: { name: 'flow-like-db', key: 'DATABASE_URL' },
      api: { qps: 20, burst: 40 },
      reconcileIntervalMs: 30_000,
      imagePullGraceMs: 60_000,
      unschedulableTimeoutMs: 300_000,
      executorEnv: { LOG_LEVEL: 'info' },
    });
    expect(config.s3Secret).toBeUndefined();
    expect(config.runtimeClassName).toBeUndefined();
  });

  it('reads JSON, lists and the S3 Secret', () => {
    const env = parseConfig(schema, {
      ...required,
      EXECUTOR_COMMAND: '["/app/executor"]',
      EXECUTOR_NODE_SELECTOR: '{"kubernetes.io/os":"linux"}',
      EXECUTOR_TOLERATIONS: '[{"key":"dedicated","operator":"Equal","value":"flow-like","effect":"NoSchedule"},{"operator":"Exists"}]',
      EXECUTOR_IMAGE_PULL_SECRETS: 'registry-a, registry-b',
      EXECUTOR_RUNTIME_CLASS: 'kata',
      EXECUTOR_S3_SECRET_NAME: 'flow-like-s3',
      KUBE_RECONCILE_INTERVAL_SECONDS: '0.5',
    });
    const config = kubernetesLauncherConfigFrom(env, {});
    expect(config.command).toEqual(['/app/executor']);
    expect(config.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(config.tolerations).toHaveLength(2);
    expect(config.imagePullSecrets).toEqual(['registry-a', 'registry-b']);
    expect(config.runtimeClassName).toBe('kata');
    expect(config.s3Secret).toEqual({ name: 'flow-like-s3', accessKeyIdKey: 'access-key-id', secretAccessKeyKey: 'secret-access-key' });
    expect(config.reconcileIntervalMs).toBe(500);
  });

  it.each([
    ['EXECUTOR_NODE_SELECTOR', '{"bad key!":"x"}'],
    ['EXECUTOR_NODE_SELECTOR', '{"ok":"value with spaces"}'],
    ['EXECUTOR_NODE_SELECTOR', 'not json'],
    ['EXECUTOR_TOLERATIONS', '[{"key":"a","operator":"Exists","value":"b"}]'],
    ['EXECUTOR_TOLERATIONS', '[{"key":"a","operator":"Sometimes"}]'],
    ['EXECUTOR_TOLERATIONS', '[{"value":"b"}]'],
    ['EXECUTOR_MEMORY_LIMIT', '512 megabytes'],
    ['EXECUTOR_COMMAND', '[]'],
    ['EXECUTOR_IMAGE_PULL_SECRETS', 'Bad_Name'],
    ['KUBE_API_QPS', 'fast'],
  ])('rejects %s=%s at start, naming the variable', (name, value) => {
    expect(() => parseConfig(schema, { ...required, [name]: value })).toThrow(new RegExp(`${name}`));
  });

  it('requires the image and the database Secret when the Kubernetes launcher is chosen', () => {
    expect(() => parseConfig(withLauncherCheck, {})).toThrow(/EXECUTOR_IMAGE: is required[\s\S]*EXECUTOR_DATABASE_SECRET_NAME: is required/);
    expect(() => kubernetesLauncherConfigFrom(parseConfig(schema, {}), {})).toThrow(ConfigError);
  });
});
