import { z } from 'zod';
import { ConfigError, databaseEnv, parseConfig } from '@flow-like/core';
import { apiEnvSchema } from '@flow-like/api/env';
import { dispatcherEnvSchema } from '@flow-like/dispatcher/env';
import { executorEnvSchema } from '@flow-like/executor/env';
import { containerEnv, type EnvEntry } from './containerEnv.js';
import { containersOf, objectKey, podSpecOf, type Container, type K8sObject } from './manifests.js';

type EnvSchema = z.ZodType<Record<string, unknown>, Record<string, unknown>> & { shape: Record<string, unknown> };

export interface Service {
  name: 'api' | 'dispatcher' | 'executor' | 'migrate';
  /** the compiled script the container runs, relative to the image's /app */
  entry: string;
  schema: EnvSchema;
}

export const services: Service[] = [
  { name: 'api', entry: 'api/dist/main.js', schema: apiEnvSchema },
  { name: 'dispatcher', entry: 'dispatcher/dist/main.js', schema: dispatcherEnvSchema },
  { name: 'executor', entry: 'executor/dist/main.js', schema: executorEnvSchema },
  // db/src/migrateCommand.ts parses exactly core's databaseEnv.
  { name: 'migrate', entry: 'db/dist/migrateCommand.js', schema: z.object(databaseEnv) },
];

/** The service a container runs, recognised by the script in its command or args. */
export function serviceOf(container: Container): Service | undefined {
  const words = [...(container.command ?? []), ...(container.args ?? [])];
  return services.find((service) => words.includes(service.entry));
}

/**
 * Stand-ins for values that only exist in the cluster (Secrets), shaped like
 * the real ones so the services' schemas can judge everything around them.
 */
const secretStandIns: Record<string, string> = {
  DATABASE_URL: 'postgres://flowlike:password@flow-like-postgresql:5432/flowlike',
  REDIS_URL: 'redis://:password@flow-like-redis:6379',
  S3_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE',
  S3_SECRET_ACCESS_KEY: 'example-secret-access-key',
  ADMIN_TOKEN: 'an-admin-token-of-forty-characters-xxxxx',
};

function valueOf(entry: EnvEntry, owner: K8sObject): string {
  const { source } = entry;
  switch (source.kind) {
    case 'value':
    case 'configMap':
      return source.value;
    case 'secret': {
      const standIn = secretStandIns[entry.name];
      if (standIn === undefined) throw new Error(`${entry.name} comes from Secret ${source.secret}; add a stand-in value for it to this check`);
      return standIn;
    }
    case 'field':
      if (source.fieldPath === 'metadata.namespace' && owner.metadata.namespace) return owner.metadata.namespace;
      throw new Error(`${entry.name} comes from field ${source.fieldPath}, which this check cannot resolve`);
  }
}

export interface ServiceEnvCheck {
  service: Service;
  /** variables the container sets that the service's schema does not know */
  unread: string[];
  /** what the service would print at start, or an empty list when it starts */
  rejected: string[];
  /** the configuration the service would run with, when it starts */
  config?: Record<string, unknown>;
}

/** Checks a container's environment against the zod schema of the service it runs. */
export function checkServiceEnv(objects: K8sObject[], owner: K8sObject, container: Container): ServiceEnvCheck | undefined {
  const service = serviceOf(container);
  if (!service) return undefined;
  const entries = containerEnv(objects, container);
  const known = new Set(Object.keys(service.schema.shape));
  const unread = entries.map((entry) => entry.name).filter((name) => !known.has(name));
  const env = Object.fromEntries(entries.map((entry) => [entry.name, valueOf(entry, owner)]));
  try {
    return { service, unread, rejected: [], config: parseConfig(service.schema, env) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { service, unread, rejected: error.problems };
  }
}

/** One line per problem, naming the object and container, over every pod the objects run. */
export function serviceEnvProblems(objects: K8sObject[]): string[] {
  return objects.flatMap((owner) => {
    const podSpec = podSpecOf(owner);
    return (podSpec ? containersOf(podSpec) : []).flatMap((container) => {
      const check = checkServiceEnv(objects, owner, container);
      if (!check) return [];
      const where = `${objectKey(owner)} container ${container.name} (${check.service.name})`;
      return [
        ...check.unread.map((name) => `${where} sets ${name}, which the ${check.service.name} never reads`),
        ...check.rejected.map((problem) => `${where} would not start: ${problem}`),
      ];
    });
  });
}
