import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../packages/local/src/index';
import { fetchMe, launchChromium } from '../support/browser';
import { createTestDatabase, type TestDatabase } from '../support/db';

// The local stack (API, WorkOS emulator, local SQS, local SES, sync worker, notifier) on a fresh
// database; Chromium plays both the WorkOS dashboard user (the emulator's control page) and the member.

let db: TestDatabase;
let dataDir: string;
let stack: LocalStack;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'local-stack-notifications-'));
  stack = await startLocalStack({
    port: 0,
    emulatorPort: 0,
    dataDir,
    env: { DATABASE_URL: db.url, LOG_LEVEL: 'SILENT' },
    reconcileEveryMs: 0,
  });
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await stack?.stop();
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function freshPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

const until = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 100 });

describe('notifications on the local stack', () => {
  it('a member whose role an admin changes sees the in-app notification, and the email is readable in the local SES', async () => {
    const emulator = stack.emulator;
    const ses = stack.ses;
    if (!emulator || !ses) throw new Error('the local stack did not start the emulator and the local SES');

    // Lin (a member of Acme Corp) signs in: the membership is in the app's database as `member`.
    const page = await freshPage();
    await page.goto(`${stack.url}/`);
    await until(() => page.locator('body').getAttribute('data-ready')).toBe('signed-out');
    await page.getByRole('link', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((url) => url.href.startsWith(emulator.url));
    await page.getByRole('link', { name: 'Sign in as Lin Chen' }).click();
    await page.getByRole('button', { name: 'Acme Corp' }).click();
    await page.waitForURL(`${stack.url}/`);
    await until(() => page.locator('body').getAttribute('data-ready')).toBe('signed-in');
    // Both memberships synced (the emulator's seed events may have notified Lin she was added).
    await until(async () => (await fetchMe(page)).body.data?.memberships.length).toBe(2);
    const acme = (await fetchMe(page)).body.data?.memberships.find(
      (m) => m.organization.name === 'Acme Corp',
    );
    expect(acme?.role).toBe('MEMBER');
    await page.reload();
    await until(() => page.locator('body').getAttribute('data-ready')).toBe('signed-in');
    if ((await page.locator('#bell-count').textContent()) !== '0') {
      await page.getByRole('button', { name: /Notifications/ }).click();
      await page.getByRole('button', { name: 'Mark all read' }).click();
      await until(() => page.locator('#bell-count').textContent()).toBe('0');
      await page.getByRole('button', { name: /Notifications/ }).click();
    }

    // An admin makes Lin an admin of Acme Corp in the WorkOS dashboard (the emulator's control page).
    const admin = await freshPage();
    await admin.goto(`${emulator.url}/_emulator`);
    const row = admin
      .locator('tr', { has: admin.getByRole('button', { name: 'Change role' }) })
      .filter({ hasText: 'lin.chen@example.com' })
      .filter({ hasText: 'Acme Corp' });
    await row.getByLabel('role').selectOption('admin');
    await row.getByRole('button', { name: 'Change role' }).click();
    await admin.waitForLoadState();

    // Webhook -> queue -> sync worker (outbox) -> the bell; Lin reloads until it shows.
    await until(async () => {
      await page.reload();
      await until(() => page.locator('body').getAttribute('data-ready')).toBe('signed-in');
      return page.locator('#bell-count').textContent();
    }).toBe('1');
    await page.getByRole('button', { name: /Notifications/ }).click();
    const item = page.locator('#bell-list li');
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.locator('strong').textContent()).toBe('Your role in Acme Corp changed');
    expect(await item.locator('p').textContent()).toBe(
      'Your role in Acme Corp changed from member to admin.',
    );

    // The same change as an email, in the local SES's own mail viewer.
    await until(
      async () =>
        (await ses.emails()).filter(
          (e) =>
            e.destination.to.includes('lin.chen@example.com') &&
            e.subject === 'Your role in Acme Corp changed',
        ).length,
    ).toBe(1);
    const viewer = await freshPage();
    await viewer.goto(ses.viewerUrl);
    await expect
      .poll(() => viewer.getByText('Your role in Acme Corp changed').first().isVisible(), { timeout: 10_000 })
      .toBe(true);

    // Marking it read empties the bell.
    await item.getByRole('button', { name: 'Mark read' }).click();
    await until(() => page.locator('#bell-count').textContent()).toBe('0');
  });
});
