import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
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
  });
  const db = drizzle(sql, { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}

export type Database = ReturnType<typeof createDb>['db'];
export type Sql = ReturnType<typeof createDb>['sql'];
/** A drizzle transaction or the database itself: code that writes takes either. */
export type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0];
