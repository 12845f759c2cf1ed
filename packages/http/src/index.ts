export { isDatabaseUnavailable } from './database-unavailable';
export * from './errors';
export * from './middleware';
export * from './origin';
export * from './responses';
export * from './routing';
