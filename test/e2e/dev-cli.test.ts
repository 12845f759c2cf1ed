import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';

// `npm run dev` itself, as a newcomer runs it: a separate process, its printed URL, the sign-in
// round trip over HTTP, and Ctrl-C (SIGINT) freeing every port.

const root = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

let db: TestDatabase;
let dataDir: string;
let child: ChildProcess | undefined;
let output = '';
let ready: { startedInMs: number; appUrl: string; emulatorUrl: string; sqsUrl: string };

function waitFor<T>(pattern: RegExp, timeoutMs: number, map: (m: RegExpMatchArray) => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no ${pattern} within ${timeoutMs} ms; output so far:\n${output}`));
    }, timeoutMs);
    const check = () => {
      const match = output.match(pattern);
      if (match) {
        cleanup();
        resolve(map(match));
      }
    };
    const exited = (code: number | null) => {
      cleanup();
      reject(new Error(`npm run dev exited (${code}) before ${pattern}; output:\n${output}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child?.stdout?.off('data', check);
      child?.off('exit', exited);
    };
    child?.stdout?.on('data', check);
    child?.on('exit', exited);
    check();
  });
}

const exitOf = (proc: ChildProcess, timeoutMs: number) =>
  new Promise<number | null>((resolve, reject) => {
    if (proc.exitCode !== null) return resolve(proc.exitCode);
    const timer = setTimeout(
      () => reject(new Error(`still running ${timeoutMs} ms after SIGINT`)),
      timeoutMs,
    );
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });

/** True when nothing accepts connections on the URL's port any more. */
const portClosed = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname === 'localhost' ? '127.0.0.1' : hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

/** The cookies a response sets, as `name=value` pairs for a Cookie header. */
const setCookies = (response: Response) => response.headers.getSetCookie().map((c) => c.split(';')[0] ?? '');

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'dev-cli-'));
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(WORKOS_|QUEUE_URL$|SQS_ENDPOINT$|SESSION_SECRET$|TENANT_BASE_DOMAIN$)/.test(key)) delete env[key];
  }
  const started = performance.now();
  child = spawn(process.execPath, [tsxCli, 'packages/local/src/cli.ts'], {
    cwd: root,
    env: {
      ...env,
      PORT: '0',
      WORKOS_EMULATOR_PORT: '0',
      LOCAL_DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      LOG_LEVEL: 'SILENT',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so SIGINT can reach the whole group the way Ctrl-C in a terminal does.
    detached: true,
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const appUrl = await waitFor(/App\s+(http:\/\/localhost:\d+)\//, 20_000, (m) => m[1] ?? '');
  ready = {
    startedInMs: performance.now() - started,
    appUrl,
    emulatorUrl: await waitFor(/WorkOS control\s+(http:\/\/\S+?)\/_emulator/, 1000, (m) => m[1] ?? ''),
    sqsUrl: await waitFor(/local SQS at (http:\/\/\S+)/, 1000, (m) => m[1] ?? ''),
  };
}, 40_000);

afterAll(async () => {
  if (child?.pid && child.exitCode === null) {
    process.kill(-child.pid, 'SIGKILL');
    await exitOf(child, 5000).catch(() => {});
  }
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('npm run dev', () => {
  it('prints the app URL within 20 seconds of starting, with the emulator control page', () => {
    expect(ready.startedInMs).toBeLessThan(20_000);
    expect(output).toContain(`Sign in        ${ready.appUrl}/auth/login`);
    expect(output).toContain('Ctrl-C stops everything.');
  });

  it('serves the demo front end at /', async () => {
    const response = await fetch(`${ready.appUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('/auth/login?returnTo=/');
  });

  it('shows the emulator sign-in page at /auth/login, and choosing a user lands back signed in', async () => {
    const page = await fetch(`${ready.appUrl}/auth/login`);
    expect(page.url.startsWith(ready.emulatorUrl)).toBe(true);
    expect(await page.text()).toContain('Sign in as Sam Rivera');

    // The same round trip by hand, keeping the PKCE cookie the way a browser would.
    const login = await fetch(`${ready.appUrl}/auth/login?returnTo=/me`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const flowCookies = setCookies(login);
    const chooser = await (await fetch(login.headers.get('location') ?? '')).text();
    const href = chooser.match(/href="([^"]+)">Sign in as Sam Rivera</)?.[1]?.replaceAll('&amp;', '&');
    if (!href) throw new Error('no "Sign in as Sam Rivera" link on the emulator page');
    const chosen = await fetch(new URL(href, ready.emulatorUrl), { redirect: 'manual' });
    const callback = chosen.headers.get('location') ?? '';
    expect(callback.startsWith(`${ready.appUrl}/auth/callback?`)).toBe(true);
    const landed = await fetch(callback, { redirect: 'manual', headers: { cookie: flowCookies.join('; ') } });
    expect(landed.status).toBe(302);
    expect(landed.headers.get('location')).toBe('/me');
    const session = setCookies(landed).find((c) => c.startsWith('wos-session='));
    expect(session).toBeDefined();

    const me = await fetch(`${ready.appUrl}/me`, { headers: { cookie: session ?? '' } });
    expect(me.status).toBe(200);
    expect((await me.json()).data.user).toMatchObject({ email: 'sam.rivera@example.com', firstName: 'Sam' });
  });

  it('stops on Ctrl-C (SIGINT to its process group) and frees the API, emulator and queue ports', async () => {
    if (!child?.pid) throw new Error('not started');
    process.kill(-child.pid, 'SIGINT');
    // 0: the CLI's own ordered shutdown ran to the end (not a signal exit).
    expect(await exitOf(child, 15_000)).toBe(0);
    expect(await portClosed(ready.appUrl)).toBe(true);
    expect(await portClosed(ready.emulatorUrl)).toBe(true);
    expect(await portClosed(ready.sqsUrl)).toBe(true);
  });

  it('with the embedded PostgreSQL, Ctrl-C stops the database too and still exits 0', async () => {
    // No DATABASE_URL: the engine shipped as an npm package, as on a fresh machine. Ctrl-C reaches
    // PostgreSQL itself as well (same process group), so the stack must not wait for it twice.
    const embeddedDir = await mkdtemp(path.join(tmpdir(), 'dev-cli-embedded-'));
    // As root, PostgreSQL runs as the `postgres` user, who must be able to enter the folder.
    await chmod(embeddedDir, 0o755);
    const env: Record<string, string | undefined> = { ...process.env };
    for (const key of Object.keys(env)) {
      if (/^(WORKOS_|QUEUE_URL$|SQS_ENDPOINT$|SESSION_SECRET$|TENANT_BASE_DOMAIN$|DATABASE_URL$)/.test(key))
        delete env[key];
    }
    const proc = spawn(process.execPath, [tsxCli, 'packages/local/src/cli.ts'], {
      cwd: root,
      env: { ...env, PORT: '0', WORKOS_EMULATOR_PORT: '0', LOCAL_DATA_DIR: embeddedDir, LOG_LEVEL: 'SILENT' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let printed = '';
    const collect = (chunk: string) => {
      printed += chunk;
    };
    proc.stdout?.setEncoding('utf8').on('data', collect);
    proc.stderr?.setEncoding('utf8').on('data', collect);
    try {
      const deadline = Date.now() + 30_000;
      while (!printed.includes('Ctrl-C') && proc.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(printed).toContain('embedded PostgreSQL');
      const appUrl = printed.match(/App\s+(http:\/\/localhost:\d+)\//)?.[1] ?? '';
      expect((await fetch(`${appUrl}/health`)).status).toBe(200);
      if (!proc.pid) throw new Error('not started');
      process.kill(-proc.pid, 'SIGINT');
      // A few seconds on an idle machine; the bound is generous because the full suite loads both cores.
      expect(await exitOf(proc, 40_000)).toBe(0);
      expect(await portClosed(appUrl)).toBe(true);
      expect(existsSync(path.join(embeddedDir, 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      if (proc.pid && proc.exitCode === null) process.kill(-proc.pid, 'SIGKILL');
      await rm(embeddedDir, { recursive: true, force: true });
    }
  }, 90_000);
});
