import type { StepParams, StepType } from '@flow-like/core';
import { artifactGetStep } from './artifactGet.js';
import { artifactPutStep } from './artifactPut.js';
import { branchStep } from './branch.js';
import { codeStep } from './code.js';
import { delayStep } from './delay.js';
import { failStep } from './fail.js';
import { httpStep } from './http.js';
import { logStep } from './log.js';
import { mapStep } from './map.js';
import type { StepModule } from './stepModule.js';
import { transformStep } from './transform.js';

/** Every step type the runtime knows; the mapped type makes a new type in core fail to compile until it has a module. */
export const stepModules: { [T in StepType]: StepModule<StepParams<T>> } = {
  http: httpStep,
  transform: transformStep,
  code: codeStep,
  branch: branchStep,
  map: mapStep,
  delay: delayStep,
  log: logStep,
  fail: failStep,
  'artifact.put': artifactPutStep,
  'artifact.get': artifactGetStep,
};
