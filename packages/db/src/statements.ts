import { is, Param, Placeholder, type Query, type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/postgres-js';
import type { Executor, Sql } from './client';
import * as schema from './schema';

/**
 * The statement compiler: SQL built once per shape with drizzle, then sent as named prepared
 * statements straight through postgres.js, alone or several back to back on one connection.
 */

/** SQL text with its parameters (a compiled template), a drizzle query builder not yet run, or raw `sql`. */
export type Statement = Query | { toSQL(): Query } | SQL;

/** A value bound to a statement, or the placeholder a template binds it through. */
export type Bind<T> = T | Placeholder;
/** One placeholder per field of T, named after it. */
export type Holders<T> = { [K in keyof T]-?: Placeholder };
const holders = <T extends Record<string, unknown>>(values: T) =>
  Object.fromEntries(Object.keys(values).map((name) => [name, sql.placeholder(name)])) as Holders<T>;

/** Builds statements only (a template is compiled once, never run through it). */
const builder = drizzle.mock({ schema }) as unknown as Executor;
const dialect = new PgDialect();

/**
 * How a compiled template gets each parameter: a constant, or a named value through its column's
 * encoder (worked out once per template, so binding an event's values is a plain loop).
 */
type Binder = { constant: unknown } | { name: string; encode: ((value: unknown) => unknown) | undefined };
const templates = new Map<string, { sql: string; binders: Binder[] }>();

function binderOf(param: unknown): Binder {
  if (is(param, Param) && is(param.value, Placeholder)) {
    const encoder = param.encoder as { mapToDriverValue?: (value: unknown) => unknown } | undefined;
    return { name: param.value.name, encode: encoder?.mapToDriverValue?.bind(encoder) };
  }
  if (is(param, Placeholder)) return { name: param.name, encode: undefined };
  return { constant: param };
}

/**
 * A statement as SQL text with positional parameters, ready for the driver. `build` is called
 * once per `key` with a placeholder for each field of `values` and compiled; later calls only bind
 * `values` (no query building per event). `build` must give the same text for the same key: what
 * varies between calls goes through `values`, what changes the text goes into the key.
 */
export function template<T extends Record<string, unknown>>(
  key: string,
  build: (ex: Executor, values: Holders<T>) => { toSQL(): Query } | SQL,
  values: T,
): Query {
  let compiled = templates.get(key);
  if (!compiled) {
    const statement = build(builder, holders(values));
    const query = 'toSQL' in statement ? statement.toSQL() : dialect.sqlToQuery(statement);
    compiled = { sql: query.sql, binders: query.params.map(binderOf) };
    templates.set(key, compiled);
  }
  const params = compiled.binders.map((binder) => {
    if ('constant' in binder) return binder.constant;
    if (!(binder.name in values)) throw new Error(`no value for placeholder ${binder.name} of ${key}`);
    const value = values[binder.name];
    // A null goes as NULL: a column's encoder (a timestamp's) may not take it.
    return value == null ? null : binder.encode ? binder.encode(value) : value;
  });
  return { sql: compiled.sql, params };
}

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

/**
 * The postgres.js client under a drizzle database or transaction (inside a transaction: its
 * connection). drizzle keeps it on the session and has no public accessor; this is the one place
 * that reads it.
 */
function connectionOf(ex: Executor): Sql {
  const client = (ex._.session as unknown as { client?: Sql }).client;
  if (!client) throw new Error('statements need a postgres.js drizzle executor');
  return client;
}

/** PostgreSQL unique_violation, possibly wrapped by drizzle. */
export function isUniqueViolation(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (e.code === '23505') return true;
    e = e.cause as typeof e;
  }
  return false;
}
