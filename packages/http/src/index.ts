export { isDatabaseUnavailable } from './database-unavailable';
export * from './errors';
export * from './hostile-text';
export * from './html';
export * from './loggable-error';
export * from './middleware';
export * from './origin';
export * from './responses';
export * from './routing';
