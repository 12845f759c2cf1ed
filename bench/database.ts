import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { preparedByDefault } from '@app/db';
import { startEmbeddedPostgres } from '@app/db/embedded';
import { runMigrations } from '@app/db/migrate';
import * as schema from '@app/db/schema';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';

export type BenchDatabase = {
  /** URL of the fresh, migrated database every section uses. */
  url: string;
  /** `DATABASE_URL` (a server given by the caller) or `embedded` (started for this run). */
  source: 'DATABASE_URL' | 'embedded';
  serverVersion: string;
  drop: () => Promise<void>;
};

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A fresh database with every committed migration applied: on the server at DATABASE_URL when set,
 * else on an embedded PostgreSQL started (and deleted) for this run.
 */
export async function prepareDatabase(workDir: string): Promise<BenchDatabase> {
  let adminUrl = process.env.DATABASE_URL;
  let stopEngine: (() => Promise<void>) | undefined;
  const dataDir = path.join(workDir, `postgres-${process.pid}`);
  if (!adminUrl) {
    const engine = await startEmbeddedPostgres({ dataDir, persistent: false });
    adminUrl = engine.url;
    stopEngine = engine.stop;
  }
  const name = `bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const [{ server_version: serverVersion } = { server_version: '?' }] = await admin<
    { server_version: string }[]
  >`SHOW server_version`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = withDatabase(adminUrl, name);
  await runMigrations(url);
  return {
    url,
    source: stopEngine ? 'embedded' : 'DATABASE_URL',
    serverVersion,
    async drop() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      if (stopEngine) {
        await stopEngine();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** A statement that changes rows (CTEs included): INSERT INTO, UPDATE <table> SET, DELETE FROM. */
const WRITE = /\b(insert\s+into|update\s+"?\w+"?\s+set|delete\s+from)\b/i;

/**
 * The Lambda's database client (one postgres.js connection, drizzle with the schema, as createDb
 * builds it) that counts what it sends: statements (postgres.js `debug`), writes among them, and
 * round trips (client flights: each time the client sends after having heard from the server).
 */
export function countingDb(
  url: string,
  applicationName: string,
  options: { namedStatements?: boolean } = {},
) {
  const named = options.namedStatements !== false;
  const counter = { statements: 0, writes: 0, roundTrips: 0 };
  const sql = postgres(url, {
    max: 1,
    connect_timeout: 10,
    idle_timeout: 60,
    onnotice: () => {},
    connection: { application_name: applicationName },
    // Unnamed statements: what a pooler in transaction mode without pinning needs (parsed every time).
    ...(named ? {} : { prepare: false }),
    debug: (_connection, query) => {
      counter.statements++;
      if (WRITE.test(query)) counter.writes++;
    },
    // postgres.js takes a socket factory (documented, not in its type definitions).
    ...({ socket: (options: { host: string[]; port: number[] }) => openCounted(options, counter) } as object),
  });
  // The same view of the client as createDb gives drizzle (one-off queries prepared).
  const db = drizzle(named ? preparedByDefault(sql) : sql, { schema });
  return { db, sql, counter, close: () => sql.end({ timeout: 5 }) };
}

function openCounted(options: { host: string[]; port: number[] }, counter: { roundTrips: number }) {
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect(options.port[0] ?? 5432, options.host[0] ?? '127.0.0.1');
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(countFlights(socket, counter));
    });
  });
}

/** Counts a round trip whenever the client writes after the server last answered. */
function countFlights(socket: Socket, counter: { roundTrips: number }): Socket {
  let answered = true;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  socket.write = ((...args: unknown[]) => {
    if (answered) counter.roundTrips++;
    answered = false;
    return write(...args);
  }) as Socket['write'];
  socket.on('data', () => {
    answered = true;
  });
  return socket;
}
