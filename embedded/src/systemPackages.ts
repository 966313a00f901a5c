import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { pathExists } from './pathExists.js';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';

/** The apt package that provides each binary we run. */
type SystemPackage = 'redis-server' | 'postgresql';

async function findRedisServer(): Promise<string | undefined> {
  try {
    const { stdout } = await run('sh', ['-c', 'command -v redis-server']);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The bin dir of the newest installed PostgreSQL major version. */
async function findPostgresBinDir(): Promise<string | undefined> {
  const versions = await readdir(POSTGRES_ROOT).catch(() => [] as string[]);
  const newestFirst = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const version of newestFirst) {
    const bin = `${POSTGRES_ROOT}/${version}/bin`;
    if ((await pathExists(`${bin}/postgres`)) && (await pathExists(`${bin}/initdb`))) return bin;
  }
  return undefined;
}

export function installCommand(packages: SystemPackage[]): string {
  return `sudo apt-get install -y ${packages.join(' ')}`;
}

let installing: Promise<void> | undefined;

/**
 * As root, install what is missing with apt; otherwise fail with the command
 * the user has to run, since installing needs privileges we do not have.
 */
async function install(missing: SystemPackage[]): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error(`missing system packages; install them with:\n  ${installCommand(missing)}`);
  installing ??= (async () => {
    const noninteractive = ['DEBIAN_FRONTEND=noninteractive'];
    await run('env', [...noninteractive, 'apt-get', 'update', '-q']);
    await run('env', [...noninteractive, 'apt-get', 'install', '-y', '-q', ...missing]);
  })().finally(() => {
    installing = undefined;
  });
  await installing;
}

async function missingPackages(): Promise<SystemPackage[]> {
  const [redis, postgres] = await Promise.all([findRedisServer(), findPostgresBinDir()]);
  return [...(redis ? [] : ['redis-server' as const]), ...(postgres ? [] : ['postgresql' as const])];
}

async function ensureInstalled(): Promise<void> {
  const missing = await missingPackages();
  if (missing.length > 0) await install(missing);
}

/** Path of `redis-server`, installing it first when possible. */
export async function locateRedisServer(): Promise<string> {
  const found = await findRedisServer();
  if (found) return found;
  await ensureInstalled();
  const installed = await findRedisServer();
  if (!installed) throw new Error('redis-server is still missing after installing it');
  return installed;
}

/** `/usr/lib/postgresql/<newest>/bin`, installing PostgreSQL first when possible. */
export async function locatePostgresBinDir(): Promise<string> {
  const found = await findPostgresBinDir();
  if (found) return found;
  await ensureInstalled();
  const installed = await findPostgresBinDir();
  if (!installed) throw new Error(`PostgreSQL binaries are still missing under ${POSTGRES_ROOT} after installing them`);
  return installed;
}
