import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chartDir, expectRendered, helmTemplate, type HelmRender } from './k8sTools.js';
import { parseManifests, type K8sObject } from './manifests.js';

/** The chart's ci/ values files: the matrix every chart test runs over. */
export const chartScenarios = readdirSync(join(chartDir, 'ci'))
  .filter((file) => file.endsWith('-values.yaml'))
  .map((file) => file.replace(/-values\.yaml$/, ''))
  .sort();

export function scenarioValues(scenario: string): HelmRender {
  return { valuesFiles: [`ci/${scenario}-values.yaml`] };
}

const renders = new Map<string, K8sObject[]>();

/** Renders each values set once per test file; later calls reuse it. */
export function renderScenario(scenario: string, extra: Record<string, string> = {}): K8sObject[] {
  const key = `${scenario} ${JSON.stringify(extra)}`;
  let objects = renders.get(key);
  if (!objects) {
    objects = parseManifests(expectRendered(helmTemplate({ ...scenarioValues(scenario), set: extra })));
    renders.set(key, objects);
  }
  return objects;
}
