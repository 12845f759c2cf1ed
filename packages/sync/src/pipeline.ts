import type { Executor, Sql } from '@app/db';
import type { Query, SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';

/**
 * SQL text with its parameters (e.g. from a compiled template of @app/db), a drizzle query builder
 * not yet run, or a raw drizzle `sql` statement.
 */
export type Statement = Query | { toSQL(): Query } | SQL;

const dialect = new PgDialect();

/**
 * Runs statements on the executor's connection back to back, without waiting for each answer
 * (postgres.js pipelines queries issued on one connection), and returns how many rows each
 * returned. PostgreSQL executes them in the order sent, so statements on the same row keep their
 * order. Run inside a transaction: if one fails, the ones after it fail too and the caller's
 * transaction must roll back (the rejection says so).
 *
 * The statements go through postgres.js itself, as named prepared statements: drizzle would send
 * each one unnamed (parsed and planned every time) and, through its async layers, gives no
 * guarantee about the order in which promises started together reach the connection.
 */
export async function pipeline(ex: Executor, statements: Statement[]): Promise<number[]> {
  return (await pipelineRows(ex, statements)).map((rows) => rows.length);
}

/** pipeline, answering each statement's rows instead of their count. */
export async function pipelineRows(ex: Executor, statements: Statement[]): Promise<unknown[][]> {
  const client = connectionOf(ex);
  const pending = statements.map((statement) => {
    const query = toQuery(statement);
    // Sent in call order: postgres.js queues each query on the connection as it is started.
    return client.unsafe(query.sql, query.params as never[], { prepare: true }).execute();
  });
  return (await Promise.all(pending)) as unknown[][];
}

/** Runs one statement as a named prepared statement on the executor's connection; its rows, unparsed by drizzle. */
export async function query<Row>(ex: Executor, statement: Statement): Promise<Row[]> {
  const q = toQuery(statement);
  return (await connectionOf(ex).unsafe(q.sql, q.params as never[], { prepare: true })) as unknown as Row[];
}

/**
 * Sends one statement (named, prepared) on the executor's connection without waiting for it: the
 * driver's own query promise, which settles when PostgreSQL answers. Inside a transaction the
 * driver also records a failure, so leaving it unawaited until after COMMIT raises no unhandled
 * rejection.
 */
export function send(ex: Executor, statement: Statement): Promise<unknown> {
  const q = toQuery(statement);
  return connectionOf(ex)
    .unsafe(q.sql, q.params as never[], { prepare: true })
    .execute();
}

/**
 * A PostgreSQL array literal of text (NULL for null), for a `$n::text[]` (or other array type)
 * parameter, so the statement text does not depend on how many values there are.
 */
export const textArray = (values: (string | null)[]) =>
  `{${values.map((v) => (v === null ? 'NULL' : `"${v.replace(/["\\]/g, '\\$&')}"`)).join(',')}}`;

function toQuery(statement: Statement): Query {
  if ('toSQL' in statement) return statement.toSQL();
  if ('queryChunks' in statement) return dialect.sqlToQuery(statement);
  return statement;
}

/** The postgres.js client under a drizzle database or transaction (inside a transaction: its connection). */
function connectionOf(ex: Executor): Sql {
  const client = (ex._.session as unknown as { client?: Sql }).client;
  if (!client) throw new Error('pipeline needs a postgres.js drizzle executor');
  return client;
}
