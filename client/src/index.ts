export { ApiError } from './apiError.js';
export { createClient, type ClientOptions, type FlowLikeClient } from './client.js';
export type * from './types.js';
