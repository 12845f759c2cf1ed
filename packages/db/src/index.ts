export { type ClientOptions, createDb, type Database, type Executor, type Sql } from './client';
export * from './schema';
export * from './upserts';
