export * from './errors.js';
export * from './status.js';
export * from './queue.js';
export * from './ids.js';
export * from './config.js';
export * from './commonConfig.js';
export * from './workflow/index.js';
