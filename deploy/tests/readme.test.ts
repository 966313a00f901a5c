import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDir, repoRoot } from './k8sTools.js';

const readme = readFileSync(join(repoRoot, 'deploy/README.md'), 'utf8');
const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;

/** The text under a heading, up to the next heading of the same or a higher level; `#` lines in code blocks are not headings. */
function section(text: string, heading: string): string {
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const lines = text.split('\n');
  const start = lines.indexOf(heading);
  if (start === -1) return '';
  let inCode = false;
  const end = lines.findIndex((line, index) => {
    if (line.startsWith('```')) inCode = !inCode;
    return index > start && !inCode && new RegExp(`^#{1,${level}} `).test(line);
  });
  return lines.slice(start + 1, end === -1 ? undefined : end).join('\n');
}

/** Whether a `--set` key names a value of the chart; free-form maps (`{}` defaults) take any key below them. */
function isChartValue(key: string): boolean {
  const path = key.split(/(?<!\\)\./).map((segment) => segment.replace(/\\\./g, '.'));
  let current: unknown = values;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return false;
    const record = current as Record<string, unknown>;
    if (Object.keys(record).length === 0) return true;
    if (!(segment in record)) return false;
    current = record[segment];
  }
  return true;
}

describe('deploy/README.md', () => {
  it.each(['## Install with Helm', '## Install with kustomize'])('explains both modes under "%s"', (heading) => {
    const text = section(readme, heading);
    expect(text).toContain('### Auto mode');
    expect(text).toContain('### External mode');
  });

  it('has sections on S3 settings and on Kata Containers', () => {
    expect(section(readme, '## S3 settings')).toContain('kubectl -n flow-like create secret generic flow-like-s3');
    expect(section(readme, '## Kata Containers')).toContain('runtimeClassName');
  });

  it('sets only chart values that exist', () => {
    const keys = [...readme.matchAll(/--set(?:-string)? '?([^=\s']+)=/g)].map((match) => match[1] as string);
    expect(keys.length).toBeGreaterThan(8);
    expect(keys.filter((key) => !isChartValue(key))).toEqual([]);
  });

  it('lists only chart values that exist in the Helm options table', () => {
    const rows = section(readme, '### Options').split('\n').filter((line) => line.startsWith('| `'));
    const keys = rows.flatMap((row) => [...(row.split(' | ')[0] ?? '').matchAll(/`([\w.]+)`/g)].map((match) => match[1] as string));
    expect(keys.length).toBeGreaterThan(15);
    expect(keys.filter((key) => !isChartValue(key))).toEqual([]);
  });

  it('names the S3 values the chart asks for', () => {
    for (const key of ['endpoint', 'region', 'forcePathStyle', 'metadataBucket', 'contentBucket', 'existingSecret', 'accessKeyIdKey', 'secretAccessKeyKey']) {
      expect(isChartValue(`s3.${key}`)).toBe(true);
      expect(readme).toContain(`s3.${key}`);
    }
  });

  it('points only at overlays, components and files that exist', () => {
    const paths = [...readme.matchAll(/deploy\/(?:kustomize|helm|docker)\/[\w./-]*[\w-]/g)].map((match) => match[0]);
    const relative = [...readme.matchAll(/\]\(((?:helm|kustomize|docker)\/[^)]+)\)/g)].map((match) => `deploy/${match[1]}`);
    expect(paths.length + relative.length).toBeGreaterThan(5);
    expect([...paths, ...relative].filter((path) => !existsSync(join(repoRoot, path)))).toEqual([]);
  });

  it('checks value paths the way Helm reads them', () => {
    expect(isChartValue('executor.runtimeClassName')).toBe(true);
    expect(isChartValue('executor.nodeSelector.katacontainers\\.io/kata-runtime')).toBe(true);
    expect(isChartValue('executor.runtimeClass')).toBe(false);
    expect(isChartValue('s3.endpoint.url')).toBe(false);
  });
});
