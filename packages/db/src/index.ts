export {
  type ClientOptions,
  createDb,
  type Database,
  type Executor,
  iamAuthFromEnv,
  preparedByDefault,
  type Sql,
} from './client';
export * from './invitations';
export * from './schema';
export * from './upserts';
