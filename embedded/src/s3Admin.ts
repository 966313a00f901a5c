/**
 * s3rver accepts unsigned requests, so creating a bucket needs no SDK here;
 * clients of the server sign with any credentials.
 */
export async function createBucket(endpoint: string, name: string): Promise<void> {
  const response = await fetch(`${endpoint}/${encodeURIComponent(name)}`, { method: 'PUT' });
  if (!response.ok) throw new Error(`creating bucket ${name} failed: ${response.status} ${await response.text()}`);
}
