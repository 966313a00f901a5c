/**
 * s3rver accepts unsigned requests, so creating a bucket needs no SDK here;
 * clients of the server sign with any credentials. A bucket that already
 * exists is fine: local mode creates its buckets on every start.
 */
export async function createBucket(endpoint: string, name: string): Promise<void> {
  const response = await fetch(`${endpoint}/${encodeURIComponent(name)}`, { method: 'PUT' });
  if (response.ok) return;
  const body = await response.text();
  if (response.status === 409 && /<Code>BucketAlready(Exists|OwnedByYou)<\/Code>/.test(body)) return;
  throw new Error(`creating bucket ${name} failed: ${response.status} ${body}`);
}
