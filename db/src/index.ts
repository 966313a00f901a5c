export * from './client.js';
export * from './migrate.js';
export * from './executions.js';
export * from './projects.js';
export * from './workflows.js';
export * as schema from './schema.js';
export * from './executionListing.js';
export * from './notifications.js';
export * from './dispatching.js';
