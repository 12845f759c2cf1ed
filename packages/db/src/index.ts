export {
  type ClientOptions,
  createDb,
  type Database,
  type Executor,
  iamAuthFromEnv,
  preparedByDefault,
  type Sql,
} from './client';
export * from './domains';
export * from './invitations';
export * from './memberships';
export * from './organizations';
export * from './schema';
export * from './statements';
export * from './upsert';
export * from './users';
export * from './version';
