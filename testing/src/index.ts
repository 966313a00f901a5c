export * from './testEnv.js';
export * from './waitFor.js';
