import { readFile, writeFile } from 'node:fs/promises';
import { API_KEY_SCOPES, createApiKey, createProject, getProjectByName, type Database } from '@flow-like/db';

/**
 * Local mode works out of the box with one project named "default". Its key
 * is shown once by the api, so it is kept in the data dir for later starts.
 */
export async function ensureLocalProject(db: Database, keyFile: string): Promise<{ projectId: string; apiKey: string }> {
  const project = (await getProjectByName(db, 'default')) ?? (await createProject(db, { name: 'default' }));
  const saved = await readFile(keyFile, 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
  if (saved) return { projectId: project.id, apiKey: saved };
  const { key } = await createApiKey(db, { projectId: project.id, name: 'local', scopes: API_KEY_SCOPES });
  await writeFile(keyFile, key + '\n', { mode: 0o600 });
  return { projectId: project.id, apiKey: key };
}
