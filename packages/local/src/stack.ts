import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '@app/db/embedded';
import { runMigrations } from '@app/db/migrate';
import { demoSeed, type Emulator, startEmulator } from '@app/workos-emulator';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { type HttpFunction, routes } from '../../../infra/routes';
import { type FunctionLoader, type FunctionsMode, functionLoader } from './functions';
import { type SqsLambda, startQueuePoller } from './poller';
import { localSqsClient, startLocalQueue } from './queue';
import { createLocalApi, type HttpLambda, lambdaContext } from './server';
import { type LocalSes, startLocalSes } from './ses';

const root = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const LOCAL_WEBHOOK_SECRET = 'whsec_local_development_only';
/** Every function the stack runs: the routes' functions, the workers and reconcile. */
const stackFunctions = [...new Set<string>(routes.map((r) => r.fn)), 'sync-worker', 'notifier', 'reconcile'];

export type LocalStackOptions = {
  /** HTTP port of the API (PORT, default 3000; 0 = any free port). */
  port?: number;
  /** Folder for the embedded database and local secrets (default `.local/` in the repository). */
  dataDir?: string;
  /** Environment overrides: DATABASE_URL, QUEUE_URL, SQS_ENDPOINT, WORKOS_* as documented. */
  env?: Record<string, string | undefined>;
  /** WorkOS emulator port when the emulator is used (WORKOS_EMULATOR_PORT, default 4100; 0 = any free port). */
  emulatorPort?: number;
  /** Reconcile interval; 0 disables the timer. */
  reconcileEveryMs?: number;
  log?: (line: string) => void;
  /**
   * Load every function from the bundles the CDK app builds (same esbuild settings, the index.mjs
   * CloudFormation would upload), built once at start, instead of from source (`npm run dev -- --bundles`).
   */
  bundles?: boolean;
};

export type LocalStack = {
  url: string;
  emulator: Emulator | undefined;
  /** The local SES (its mail viewer and stored messages); undefined when SES_ENDPOINT was given. */
  ses: LocalSes | undefined;
  env: Record<string, string>;
  /** Where the functions were loaded from: `source` (handler.ts) or `bundles` (built index.mjs). */
  functions: FunctionsMode;
  stop: () => Promise<void>;
};

async function localSecret(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'session-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** How long each part of the stack may take to stop before the next one goes. */
const STOP_STEP_MS = 5_000;

/** What every step below shares: the given environment, the log, and the stops of what it started. */
type Parts = {
  given: Record<string, string | undefined>;
  log: (line: string) => void;
  stops: (() => Promise<void>)[];
};

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Stops every part, last started first (the database last). Each gets a bounded time, so one that
 * hangs (a server waiting on a connection, a child whose exit was already reaped) cannot keep Ctrl-C
 * from ending the stack.
 */
function stopInOrder({ stops, log }: Parts) {
  return async () => {
    for (const fn of stops.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), STOP_STEP_MS);
      });
      const outcome = await Promise.race([fn().catch(() => {}), late]);
      clearTimeout(timer);
      if (outcome === 'late') log(`(while stopping) a part did not stop within ${STOP_STEP_MS} ms; going on`);
    }
  };
}

/**
 * The API server, listening at once so its URL is known; each route's handler loads on first use,
 * after `ready` is called with the loaded functions (the environment is complete by then).
 */
async function startApi(parts: Parts, port: number) {
  let markReady: (functions: FunctionLoader) => void = () => {};
  const loader = new Promise<FunctionLoader>((resolve) => {
    markReady = resolve;
  });
  const loaded = new Map<HttpFunction, Promise<HttpLambda>>();
  const loadHandler = (fn: HttpFunction) => {
    let handler = loaded.get(fn);
    if (!handler) {
      handler = loader.then((functions) => functions.load<HttpLambda>(fn));
      loaded.set(fn, handler);
    }
    return handler;
  };
  const server = createLocalApi({
    routes,
    handler: loadHandler,
    staticDir: path.join(root, 'packages/local/public'),
    onError: (error) => parts.log(`request failed: ${message(error)}`),
  });
  const bound = await listen(server, port);
  parts.stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.on('connection', (socket) => parts.stops.push(async () => void socket.destroy()));
  return { url: `http://localhost:${bound}`, ready: markReady };
}

/** PostgreSQL (DATABASE_URL, or the embedded engine under dataDir), migrated. */
async function startDatabase({ given, log, stops }: Parts, dataDir: string): Promise<string> {
  let databaseUrl = given.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres') });
    stops.push(pg.stop);
    databaseUrl = pg.url;
    log(`database   embedded PostgreSQL (data in ${path.relative(root, dataDir) || '.'}/postgres)`);
  } else {
    log('database   DATABASE_URL');
  }
  await runMigrations(databaseUrl);
  return databaseUrl;
}

/** The queues: sync events, and notification ids (the outbox's after-commit step). */
async function startQueues({ given, log, stops }: Parts) {
  let queueUrl = given.QUEUE_URL;
  let notificationsQueueUrl = given.NOTIFICATIONS_QUEUE_URL;
  let sqsEndpoint = given.SQS_ENDPOINT;
  if (!queueUrl) {
    const queue = await startLocalQueue({ visibilityTimeoutSeconds: 10 });
    stops.push(queue.stop);
    queueUrl = queue.queueUrl;
    sqsEndpoint = queue.endpoint;
    notificationsQueueUrl ??= queue.addQueue('notifications', { visibilityTimeoutSeconds: 5 }).queueUrl;
    log(`queue      local SQS at ${queue.endpoint}`);
  } else {
    log('queue      QUEUE_URL');
  }
  return { queueUrl, notificationsQueueUrl, sqsEndpoint };
}

/** Email: a local SES v2 that keeps every message (unless SES_ENDPOINT points elsewhere). */
async function startMail({ given, log, stops }: Parts) {
  if (given.SES_ENDPOINT) {
    log('mail       SES_ENDPOINT');
    return { sesEndpoint: given.SES_ENDPOINT, ses: undefined };
  }
  const ses = await startLocalSes({ port: Number(given.SES_PORT ?? 0) });
  stops.push(ses.stop);
  log(`mail       local SES at ${ses.endpoint}: read sent mail at ${ses.viewerUrl}`);
  return { sesEndpoint: ses.endpoint, ses };
}

const WORKOS_VARIABLES = [
  'WORKOS_API_KEY',
  'WORKOS_CLIENT_ID',
  'WORKOS_WEBHOOK_SECRET',
  'WORKOS_API_HOSTNAME',
  'WORKOS_API_PORT',
  'WORKOS_API_HTTPS',
] as const;

/** WorkOS: the real one when WORKOS_API_KEY is set, else the emulator with demo data posting to `url`. */
async function startWorkOS({ given, log, stops }: Parts, url: string, emulatorPort: number) {
  if (given.WORKOS_API_KEY) {
    log('workos     real WorkOS (WORKOS_API_KEY is set)');
    const workosEnv = Object.fromEntries(
      WORKOS_VARIABLES.flatMap((key) => (given[key] ? [[key, given[key] as string]] : [])),
    );
    return { emulator: undefined, workosEnv };
  }
  const emulator = await startEmulator({
    port: emulatorPort,
    seed: demoSeed,
    webhooks: [{ endpointUrl: `${url}/webhooks/workos`, secret: LOCAL_WEBHOOK_SECRET }],
    webhookRetry: { attempts: 5, baseDelayMs: 500, timeoutMs: 10_000 },
  });
  stops.push(emulator.stop);
  log(`workos     emulator at ${emulator.url} (control page ${emulator.url}/_emulator)`);
  const workosEnv: Record<string, string> = {
    WORKOS_API_KEY: emulator.apiKey,
    WORKOS_CLIENT_ID: emulator.clientId,
    WORKOS_WEBHOOK_SECRET: LOCAL_WEBHOOK_SECRET,
    WORKOS_API_HOSTNAME: emulator.hostname,
    WORKOS_API_PORT: String(emulator.port),
    WORKOS_API_HTTPS: 'false',
  };
  return { emulator, workosEnv };
}

/** Calls `run` every `ms` until the stack stops; a failure is logged under `name`. */
function every({ log, stops }: Parts, name: string, ms: number, run: () => Promise<unknown>) {
  const timer = setInterval(() => {
    run().catch((error: unknown) => log(`${name}: ${message(error)}`));
  }, ms);
  stops.push(async () => clearInterval(timer));
}

type ScheduledLambda = (e: ScheduledEvent, c: Context) => Promise<unknown>;

/**
 * What the event sources and schedules do in AWS: the sync worker on the queue, the notifier on the
 * notifications queue with the outbox sweep every minute, and reconcile every `reconcileEveryMs`.
 */
async function startWorkers(
  parts: Parts,
  load: FunctionLoader['load'],
  queues: Awaited<ReturnType<typeof startQueues>>,
  reconcileEveryMs: number,
) {
  const { log, stops } = parts;
  const sqs = localSqsClient(queues.sqsEndpoint);
  const poll = (name: string, queueUrl: string, handler: SqsLambda) =>
    stops.push(
      startQueuePoller({ sqs, queueUrl, handler, onError: (e) => log(`${name}: ${message(e)}`) }).stop,
    );
  poll('sync worker', queues.queueUrl, await load<SqsLambda>('sync-worker'));
  if (queues.notificationsQueueUrl) {
    const notifier = await load<SqsLambda & ScheduledLambda>('notifier');
    poll('notifier', queues.notificationsQueueUrl, notifier);
    every(parts, 'outbox sweep', 60_000, () =>
      notifier({} as ScheduledEvent, lambdaContext('notifier', 30_000)),
    );
  }
  if (reconcileEveryMs > 0 && existsSync(path.join(root, 'functions/reconcile/handler.ts'))) {
    const reconcile = await load<ScheduledLambda>('reconcile');
    every(parts, 'reconcile', reconcileEveryMs, () =>
      reconcile({} as ScheduledEvent, lambdaContext('reconcile', 60_000)),
    );
  }
}

/**
 * The whole stack on one machine: PostgreSQL (DATABASE_URL or the embedded engine), migrations,
 * SQS (QUEUE_URL or fauxqs), SES, WorkOS (the emulator unless WORKOS_API_KEY is set), every route of
 * infra/routes.ts served as HTTP API v2 events to the real handlers, the sync worker and notifier on
 * their queues, and reconcile on a timer.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const given = options.env ?? process.env;
  const parts: Parts = { given, log: options.log ?? (() => {}), stops: [] };
  const stop = stopInOrder(parts);
  const dataDir = path.resolve(options.dataDir ?? path.join(root, '.local'));
  await mkdir(dataDir, { recursive: true });

  // Bundles mode: build while the services below start; handlers load once both are done.
  const building = functionLoader({
    bundles: options.bundles ?? false,
    functions: stackFunctions,
    log: parts.log,
  });
  // Handled where it is awaited below; this only keeps an early build failure from counting as unhandled.
  building.catch(() => {});
  try {
    const api = await startApi(parts, options.port ?? Number(given.PORT ?? 3000));
    const databaseUrl = await startDatabase(parts, dataDir);
    const queues = await startQueues(parts);
    const { sesEndpoint, ses } = await startMail(parts);
    const { emulator, workosEnv } = await startWorkOS(
      parts,
      api.url,
      options.emulatorPort ?? Number(given.WORKOS_EMULATOR_PORT ?? 4100),
    );

    // The environment every handler validates at its cold start.
    const env: Record<string, string> = {
      APP_ENV: 'local',
      LOG_LEVEL: given.LOG_LEVEL ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      SESSION_SECRET: given.SESSION_SECRET ?? (await localSecret(dataDir)),
      WORKOS_REDIRECT_URI: given.WORKOS_REDIRECT_URI ?? `${api.url}/auth/callback`,
      ALLOWED_REDIRECT_ORIGINS: given.ALLOWED_REDIRECT_ORIGINS ?? api.url,
      COOKIE_DOMAIN: given.COOKIE_DOMAIN ?? '',
      DATABASE_URL: databaseUrl,
      QUEUE_URL: queues.queueUrl,
      ...(queues.sqsEndpoint ? { SQS_ENDPOINT: queues.sqsEndpoint } : {}),
      ...(queues.notificationsQueueUrl ? { NOTIFICATIONS_QUEUE_URL: queues.notificationsQueueUrl } : {}),
      SES_ENDPOINT: sesEndpoint,
      NOTIFICATIONS_FROM: given.NOTIFICATIONS_FROM ?? 'notifications@example.com',
      ...(given.TENANT_BASE_DOMAIN ? { TENANT_BASE_DOMAIN: given.TENANT_BASE_DOMAIN } : {}),
      ...workosEnv,
    };
    Object.assign(process.env, env);
    const functions = await building;
    parts.stops.push(functions.stop);
    api.ready(functions);
    await startWorkers(parts, functions.load, queues, options.reconcileEveryMs ?? 60_000);
    return { url: api.url, emulator, ses, env, functions: functions.mode, stop };
  } catch (error) {
    await stop();
    // A build still under way when a step above failed: its bundles go too.
    await building.then((loader) => loader.stop()).catch(() => {});
    throw error;
  }
}
