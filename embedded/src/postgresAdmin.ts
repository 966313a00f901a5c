import pg from 'pg';

/** `"name"` with embedded quotes doubled, for names that cannot be bound as parameters. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

async function withClient<T>(connectionString: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** True once the server accepts a connection and answers a query. */
export async function pingPostgres(connectionString: string): Promise<boolean> {
  try {
    return await withClient(connectionString, async (client) => (await client.query('SELECT 1 AS ok')).rowCount === 1);
  } catch {
    return false;
  }
}

/**
 * `adminUrl` points at any database other than the one being created (e.g.
 * `postgres`). Copying a template is much faster than migrating a new
 * database, which is how each test file gets its own schema cheaply.
 */
export async function createDatabase(adminUrl: string, name: string, options: { template?: string } = {}): Promise<void> {
  const template = options.template ? ` TEMPLATE ${quoteIdentifier(options.template)}` : '';
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}${template}`));
}

/** Drops the database even while clients are still connected to it. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`));
}
