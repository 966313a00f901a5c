export * from './document.js';
export * from './stepParams.js';
export * from './backoff.js';
export * from './expressions.js';
export * from './graph.js';
export { parseWorkflowDocument, stepExpressions } from './validate.js';
export { validateWorkflowInput } from './input.js';
