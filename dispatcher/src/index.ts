export * from './env.js';
export * from './launcher.js';
export * from './service.js';
export * from './process/processLauncher.js';
