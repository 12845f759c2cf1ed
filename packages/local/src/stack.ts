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

/**
 * The whole stack on one machine: PostgreSQL (DATABASE_URL or the embedded engine), migrations,
 * SQS (QUEUE_URL or fauxqs), WorkOS (the emulator unless WORKOS_API_KEY is set), every route of
 * infra/routes.ts served as HTTP API v2 events to the real handlers, the sync worker on the queue,
 * and reconcile on a timer.
 */
/** How long each part of the stack may take to stop before the next one goes. */
const STOP_STEP_MS = 5_000;

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const given = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(options.dataDir ?? path.join(root, '.local'));
  await mkdir(dataDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  // Each part gets a bounded time to stop, so one that hangs (a server waiting on a connection, a
  // child whose exit was already reaped) cannot keep Ctrl-C from ending the stack; the rest still
  // stop in order, the database last.
  const stop = async () => {
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

  // 0. Bundles mode: build while the services below start; handlers load once both are done.
  const building = functionLoader({ bundles: options.bundles ?? false, functions: stackFunctions, log });
  // Handled where it is awaited below; this only keeps an early build failure from counting as unhandled.
  building.catch(() => {});
  let functions: FunctionLoader | undefined;
  try {
    // 1. The API server first, so its port is known; handlers load once the environment is ready.
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const loaded = new Map<HttpFunction, Promise<HttpLambda>>();
    const loadHandler = (fn: HttpFunction) => {
      let handler = loaded.get(fn);
      if (!handler) {
        handler = ready.then(() => (functions as FunctionLoader).load<HttpLambda>(fn));
        loaded.set(fn, handler);
      }
      return handler;
    };
    const server = createLocalApi({
      routes,
      handler: loadHandler,
      staticDir: path.join(root, 'packages/local/public'),
      onError: (error) => log(`request failed: ${error instanceof Error ? error.message : String(error)}`),
    });
    const port = await listen(server, options.port ?? Number(given.PORT ?? 3000));
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    server.on('connection', (socket) => stops.push(async () => void socket.destroy()));
    const url = `http://localhost:${port}`;

    // 2. PostgreSQL and migrations.
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

    // 3. The queues: sync events, and notification ids (the outbox's after-commit step).
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

    // 3b. Email: a local SES v2 that keeps every message (unless SES_ENDPOINT points elsewhere).
    let sesEndpoint = given.SES_ENDPOINT;
    let ses: LocalSes | undefined;
    if (!sesEndpoint) {
      ses = await startLocalSes({ port: Number(given.SES_PORT ?? 0) });
      stops.push(ses.stop);
      sesEndpoint = ses.endpoint;
      log(`mail       local SES at ${ses.endpoint}: read sent mail at ${ses.viewerUrl}`);
    } else {
      log('mail       SES_ENDPOINT');
    }

    // 4. WorkOS: the real one when WORKOS_API_KEY is set, else the emulator with demo data.
    let emulator: Emulator | undefined;
    const workosEnv: Record<string, string> = {};
    if (given.WORKOS_API_KEY) {
      for (const key of [
        'WORKOS_API_KEY',
        'WORKOS_CLIENT_ID',
        'WORKOS_WEBHOOK_SECRET',
        'WORKOS_API_HOSTNAME',
        'WORKOS_API_PORT',
        'WORKOS_API_HTTPS',
      ]) {
        const value = given[key];
        if (value) workosEnv[key] = value;
      }
      log('workos     real WorkOS (WORKOS_API_KEY is set)');
    } else {
      emulator = await startEmulator({
        port: options.emulatorPort ?? Number(given.WORKOS_EMULATOR_PORT ?? 4100),
        seed: demoSeed,
        webhooks: [{ endpointUrl: `${url}/webhooks/workos`, secret: LOCAL_WEBHOOK_SECRET }],
        webhookRetry: { attempts: 5, baseDelayMs: 500, timeoutMs: 10_000 },
      });
      stops.push(emulator.stop);
      Object.assign(workosEnv, {
        WORKOS_API_KEY: emulator.apiKey,
        WORKOS_CLIENT_ID: emulator.clientId,
        WORKOS_WEBHOOK_SECRET: LOCAL_WEBHOOK_SECRET,
        WORKOS_API_HOSTNAME: emulator.hostname,
        WORKOS_API_PORT: String(emulator.port),
        WORKOS_API_HTTPS: 'false',
      });
      log(`workos     emulator at ${emulator.url} (control page ${emulator.url}/_emulator)`);
    }

    // 5. The environment every handler validates at its cold start.
    const env: Record<string, string> = {
      APP_ENV: 'local',
      LOG_LEVEL: given.LOG_LEVEL ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      SESSION_SECRET: given.SESSION_SECRET ?? (await localSecret(dataDir)),
      WORKOS_REDIRECT_URI: given.WORKOS_REDIRECT_URI ?? `${url}/auth/callback`,
      ALLOWED_REDIRECT_ORIGINS: given.ALLOWED_REDIRECT_ORIGINS ?? url,
      COOKIE_DOMAIN: given.COOKIE_DOMAIN ?? '',
      DATABASE_URL: databaseUrl,
      QUEUE_URL: queueUrl,
      ...(sqsEndpoint ? { SQS_ENDPOINT: sqsEndpoint } : {}),
      ...(notificationsQueueUrl ? { NOTIFICATIONS_QUEUE_URL: notificationsQueueUrl } : {}),
      SES_ENDPOINT: sesEndpoint,
      NOTIFICATIONS_FROM: given.NOTIFICATIONS_FROM ?? 'notifications@example.com',
      ...(given.TENANT_BASE_DOMAIN ? { TENANT_BASE_DOMAIN: given.TENANT_BASE_DOMAIN } : {}),
      ...workosEnv,
    };
    Object.assign(process.env, env);
    functions = await building;
    stops.push(functions.stop);
    const load = functions.load;
    markReady();

    // 6. The sync worker on the queue, and reconcile on a timer.
    const worker = await load<SqsLambda>('sync-worker');
    const poller = startQueuePoller({
      sqs: localSqsClient(sqsEndpoint),
      queueUrl,
      handler: worker,
      onError: (error) => log(`sync worker: ${error instanceof Error ? error.message : String(error)}`),
    });
    stops.push(poller.stop);

    // 6b. The notifier on the notifications queue, and the outbox sweep every minute.
    if (notificationsQueueUrl) {
      const notifier = await load<SqsLambda & ((e: ScheduledEvent, c: Context) => Promise<unknown>)>(
        'notifier',
      );
      const notifications = startQueuePoller({
        sqs: localSqsClient(sqsEndpoint),
        queueUrl: notificationsQueueUrl,
        handler: notifier,
        onError: (error) => log(`notifier: ${error instanceof Error ? error.message : String(error)}`),
      });
      stops.push(notifications.stop);
      const sweep = setInterval(() => {
        notifier({} as ScheduledEvent, lambdaContext('notifier', 30_000)).catch((error: unknown) =>
          log(`outbox sweep: ${error instanceof Error ? error.message : String(error)}`),
        );
      }, 60_000);
      stops.push(async () => clearInterval(sweep));
    }

    const reconcileEntry = path.join(root, 'functions/reconcile/handler.ts');
    const every = options.reconcileEveryMs ?? 60_000;
    if (every > 0 && existsSync(reconcileEntry)) {
      const reconcile = await load<(e: ScheduledEvent, c: Context) => Promise<unknown>>('reconcile');
      const timer = setInterval(() => {
        reconcile({} as ScheduledEvent, lambdaContext('reconcile', 60_000)).catch((error: unknown) =>
          log(`reconcile: ${error instanceof Error ? error.message : String(error)}`),
        );
      }, every);
      stops.push(async () => clearInterval(timer));
    }

    return { url, emulator, ses, env, functions: functions.mode, stop };
  } catch (error) {
    await stop();
    // A build still under way when a step above failed: its bundles go too.
    await building.then((loader) => loader.stop()).catch(() => {});
    throw error;
  }
}
