export * from './errors';
export * from './html';
export * from './middleware';
export * from './origin';
export * from './responses';
export * from './routing';
