import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { iamAuthToken } from './iam-token';
import * as schema from './schema';

export type ClientOptions = {
  /** Pool size. Use 1 in Lambda: one container serves one request at a time. */
  max?: number;
  /** Seconds to wait for a connection before failing. */
  connectTimeout?: number;
  /** Seconds an idle connection is kept. */
  idleTimeout?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * Authenticate with a short-lived IAM token instead of a password (RDS Proxy with IAM auth): a
   * fresh token is signed for every new connection, so reconnects after 15 minutes still work.
   */
  iamAuth?: { region: string };
};

/**
 * Creates one postgres.js pool and its drizzle instance. Call it once at module scope so a warm
 * Lambda container reuses the connection.
 */
export function createDb(url: string, options: ClientOptions = {}) {
  const sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeout ?? 10,
    idle_timeout: options.idleTimeout ?? 60,
    // Recycle connections so RDS credential rotation and failover are picked up.
    max_lifetime: 60 * 30,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'workos-lambda-auth' },
    ...(options.iamAuth ? { password: iamPassword(url, options.iamAuth.region) } : {}),
  });
  const db = drizzle(preparedByDefault(sql), { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}

/**
 * IAM authentication when the deployment asks for it (DATABASE_IAM_AUTH=true, set by the CDK app when
 * the functions go through RDS Proxy): the region is the function's own.
 */
export function iamAuthFromEnv(
  env: Record<string, string | undefined> = process.env,
): Pick<ClientOptions, 'iamAuth'> {
  if (env.DATABASE_IAM_AUTH !== 'true') return {};
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('DATABASE_IAM_AUTH needs AWS_REGION');
  return { iamAuth: { region } };
}

/** A password function for postgres.js: a fresh IAM token for the URL's host, port and user. */
function iamPassword(url: string, region: string) {
  const { hostname, port, username } = new URL(url);
  return () =>
    iamAuthToken({ hostname, port: Number(port || 5432), username: decodeURIComponent(username), region });
}

type PostgresClient = ReturnType<typeof postgres>;
type Unsafe = PostgresClient['unsafe'];

/**
 * drizzle hands its one-off queries to postgres.js unprepared (`prepare: false`), so every query
 * with parameters costs two round trips (describe, then execute) and is planned afresh each time.
 * This view of the client prepares them instead: postgres.js names each statement after its SQL
 * text and keeps it per connection, so a warm Lambda pays one round trip per query. Transactions
 * and savepoints get the same view. (If a migration changes a table under a live connection,
 * postgres.js re-prepares on PostgreSQL's "cached plan must not change result type".)
 */
export function preparedByDefault<T extends PostgresClient>(client: T): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        const unsafe: Unsafe = (query, parameters, options) =>
          target.unsafe(query, parameters, { ...options, prepare: true });
        return unsafe;
      }
      if (property === 'begin' || property === 'savepoint') {
        const open = Reflect.get(target, property, receiver) as (...args: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) => {
          const body = args.pop() as (tx: PostgresClient) => unknown;
          return open.call(target, ...args, (tx: PostgresClient) => body(preparedByDefault(tx)));
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

export type Database = ReturnType<typeof createDb>['db'];
export type Sql = ReturnType<typeof createDb>['sql'];
/** A drizzle transaction or the database itself: code that writes takes either. */
export type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0];
