import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../packages/local/src/index';
import { eventually, fetchMe, launchChromium } from '../support/browser';
import { createTestDatabase, type TestDatabase } from '../support/db';

// The whole local stack in this process (API, WorkOS emulator, SQS emulator, sync worker) on a fresh
// database, driven through the demo front end by a real Chromium.

let db: TestDatabase;
let dataDir: string;
let stack: LocalStack;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'local-stack-e2e-'));
  stack = await startLocalStack({
    port: 0,
    emulatorPort: 0,
    dataDir,
    env: { DATABASE_URL: db.url, LOG_LEVEL: 'SILENT' },
    reconcileEveryMs: 0,
    // CI runs this file a second time with LOCAL_BUNDLES=1: the functions as the CDK app bundles them.
    bundles: process.env.LOCAL_BUNDLES === '1',
  });
}, 120_000);

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
  page.setDefaultTimeout(10_000);
  return page;
}

const emulatorUrl = () => {
  if (!stack.emulator) throw new Error('the local stack did not start the WorkOS emulator');
  return stack.emulator.url;
};

/** Waits for a value the page settles on (default expect.poll gives up after 1 s). */
const until = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 50 });

/** From the signed-out home page through the emulator's sign-in page, as a user would. */
async function signIn(page: Page, name: string) {
  await page.goto(`${stack.url}/`);
  await until(() => page.locator('body').getAttribute('data-ready')).toBe('signed-out');
  await page.getByRole('link', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.href.startsWith(emulatorUrl()));
  await page.getByRole('link', { name: `Sign in as ${name}` }).click();
}

async function waitSignedIn(page: Page, name: string) {
  await page.waitForURL(`${stack.url}/`);
  await until(() => page.locator('body').getAttribute('data-ready')).toBe('signed-in');
  await until(() => page.locator('#profile-name').textContent()).toBe(name);
}

const text = (page: Page, selector: string) => page.locator(selector).textContent();

describe('demo front end on the local stack', () => {
  it('loads the functions the way LOCAL_BUNDLES asks (source, or the bundles the CDK app builds)', () => {
    expect(stack.functions).toBe(process.env.LOCAL_BUNDLES === '1' ? 'bundles' : 'source');
  });

  it('signs Ada in through the emulator page with an HttpOnly, SameSite=Lax session cookie and shows /me', async () => {
    const page = await freshPage();
    await signIn(page, 'Ada Okafor');
    await waitSignedIn(page, 'Ada Okafor');

    const cookies = await page.context().cookies(stack.url);
    const session = cookies.find((c) => c.name === 'wos-session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', secure: false });
    expect(await page.evaluate(() => document.cookie)).not.toContain('wos-session');

    const me = await fetchMe(page);
    expect(me.status).toBe(200);
    expect(me.body.data?.user.email).toBe('ada.okafor@acme.test');
    // One membership: WorkOS scoped the login to Acme at once.
    expect(me.body.data?.session.organizationId).toBe(me.body.data?.memberships[0]?.organization.workosOrgId);
    expect(await text(page, '#who')).toBe('ada.okafor@acme.test');
    expect(await text(page, '#org-title')).toBe('Acme Corp');
  });

  it('edits the profile, names the field WorkOS refused, and keeps the change across a reload', async () => {
    const page = await freshPage();
    await signIn(page, 'Ada Okafor');
    await waitSignedIn(page, 'Ada Okafor');
    const form = page.locator('#profile-form');

    await form.getByLabel('Time zone').fill('Mars/Olympus_Mons');
    await form.getByRole('button', { name: 'Save profile' }).click();
    await until(() => form.locator('.field-error[data-field="timezone"]').textContent()).toContain('IANA');
    expect(await form.locator('.status').textContent()).toContain('VALIDATION_FAILED');

    await form.getByLabel('Time zone').fill('Europe/Paris');
    await form.getByLabel('Bio').fill('<img src=x onerror="document.title=1"> builds bridges');
    await form.getByLabel('Preferences (JSON object)').fill('{"theme":"dark","digest":"weekly"}');
    await form.getByRole('button', { name: 'Save profile' }).click();
    await until(() => form.locator('.status').textContent()).toBe('Saved');

    await page.reload();
    await waitSignedIn(page, 'Ada Okafor');
    expect(await form.getByLabel('Time zone').inputValue()).toBe('Europe/Paris');
    expect(await form.getByLabel('Bio').inputValue()).toBe(
      '<img src=x onerror="document.title=1"> builds bridges',
    );
    expect(JSON.parse(await form.getByLabel('Preferences (JSON object)').inputValue())).toEqual({
      theme: 'dark',
      digest: 'weekly',
    });
    const me = await fetchMe(page);
    expect(me.body.data?.user).toMatchObject({ timezone: 'Europe/Paris', preferences: { theme: 'dark' } });
    expect(await page.title()).not.toBe('1');
  });

  it('lets Lin pick an organization at sign-in, switch to Globex, edit it as its admin, and sign out', async () => {
    const page = await freshPage();
    await signIn(page, 'Lin Chen');
    // Two memberships and none asked: the organization choice page, and no session yet.
    await page.getByRole('heading', { name: 'Choose an organization' }).waitFor();
    expect((await page.context().cookies(stack.url)).map((c) => c.name)).not.toContain('wos-session');
    await page.getByRole('button', { name: 'Acme Corp' }).click();
    await waitSignedIn(page, 'Lin Chen');
    // The callback recorded Acme; Globex arrives with the emulator's seed events (webhook -> queue -> worker).
    await eventually(
      () => fetchMe(page),
      (r) => r.body.data?.memberships.length === 2,
    );
    await page.reload();
    await waitSignedIn(page, 'Lin Chen');

    // Member of Acme: the organization page without the admin form.
    await until(() => text(page, '#org-title')).toBe('Acme Corp');
    await until(() => text(page, '#org-role')).toMatch(/member/i);
    expect(await page.locator('#org-form').isVisible()).toBe(false);
    await until(() => page.locator('#members tbody tr').count()).toBeGreaterThanOrEqual(2);
    expect(await text(page, '#members tbody')).toContain('lin.chen@example.com');

    // Switch to Globex, where she is admin.
    const globex = (await fetchMe(page)).body.data?.memberships.find((m) => m.organization.name === 'Globex');
    if (!globex) throw new Error('Lin has no Globex membership in /me');
    await page.locator('#org-switcher').selectOption(globex.organization.workosOrgId);
    await until(() => text(page, '#org-title')).toBe('Globex');
    expect((await fetchMe(page)).body.data?.session.organizationId).toBe(globex.organization.workosOrgId);
    await until(() => page.locator('#org-form').isVisible()).toBe(true);

    const orgForm = page.locator('#org-form');
    await orgForm.getByLabel('Domain').fill('https://globex.example/path');
    await orgForm.getByRole('button', { name: 'Save organization' }).click();
    await until(() => orgForm.locator('.field-error[data-field="domain"]').textContent()).toContain(
      'hostname',
    );

    await orgForm.getByLabel('Domain').fill('globex.example');
    await orgForm.getByLabel('Logo URL').fill('https://globex.example/logo.png');
    await orgForm.getByLabel('Settings (JSON object)').fill('{"theme":"green","seats":25}');
    await orgForm.getByRole('button', { name: 'Save organization' }).click();
    await until(() => orgForm.locator('.status').textContent()).toBe('Saved');

    await page.reload();
    await waitSignedIn(page, 'Lin Chen');
    await until(() => text(page, '#org-title')).toBe('Globex');
    expect(JSON.parse((await text(page, '#org-settings')) ?? '')).toEqual({ theme: 'green', seats: 25 });
    expect(await orgForm.getByLabel('Logo URL').inputValue()).toBe('https://globex.example/logo.png');
    expect(await text(page, '#org-domain')).toBe('globex.example');

    // Sign out: the WorkOS session ends and the browser comes back signed out.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${stack.url}/`);
    await until(() => page.locator('body').getAttribute('data-ready')).toBe('signed-out');
    expect((await page.context().cookies(stack.url)).map((c) => c.name)).not.toContain('wos-session');
    expect((await fetchMe(page)).status).toBe(401);
    expect(stack.emulator?.counts.logouts).toBeGreaterThanOrEqual(1);
  });

  it('shows a rename made on the emulator control page after webhook, queue and worker, as text', async () => {
    const page = await freshPage();
    await signIn(page, 'Sam Rivera');
    await waitSignedIn(page, 'Sam Rivera');
    // No organization: no switcher, no organization page.
    expect(await page.locator('#switcher-field').isVisible()).toBe(false);
    expect(await page.locator('#organization').isVisible()).toBe(false);

    const control = await page.context().newPage();
    await control.goto(`${emulatorUrl()}/_emulator`);
    const row = control.locator('tr', { has: control.locator('input[name="firstName"]') }).filter({
      hasText: 'sam.rivera@example.com',
    });
    await row.getByLabel('first name').fill('<b>Samuel</b>');
    await row.getByRole('button', { name: 'Rename' }).click();
    await control.waitForLoadState();

    const me = await eventually(
      () => fetchMe(page),
      (r) => r.body.data?.user.firstName === '<b>Samuel</b>',
    );
    expect(me.body.data?.user.lastName).toBe('Rivera');
    await page.reload();
    await waitSignedIn(page, '<b>Samuel</b> Rivera');
    expect(await page.locator('#profile-name b').count()).toBe(0);
  });

  it('admin panel: Ada invites an address, the invitee signs up through AuthKit into Acme with that role; Ada changes the role, then removes them, and their next request is 403', async () => {
    const admin = await freshPage();
    await signIn(admin, 'Ada Okafor');
    await waitSignedIn(admin, 'Ada Okafor');
    await until(() => admin.locator('#invitations').isVisible()).toBe(true);
    const inviteForm = admin.locator('#invite-form');
    await inviteForm.getByLabel('Email').fill('new.hire@example.com');
    await inviteForm.getByLabel('Role').selectOption('member');
    await inviteForm.getByRole('button', { name: 'Invite' }).click();
    await until(() => inviteForm.locator('.status').textContent()).toBe('Invited new.hire@example.com');
    const invitationRow = admin.locator('#invitation-list tr[data-email="new.hire@example.com"]');
    await until(() => invitationRow.textContent()).toContain('pending');

    // The invitee: a new account through the emulator's AuthKit page, with the invited address.
    const invitee = await freshPage();
    await invitee.goto(`${stack.url}/`);
    await until(() => invitee.locator('body').getAttribute('data-ready')).toBe('signed-out');
    await invitee.getByRole('link', { name: 'Sign in', exact: true }).click();
    await invitee.waitForURL((url) => url.href.startsWith(emulatorUrl()));
    await invitee.getByLabel('email').fill('new.hire@example.com');
    await invitee.getByRole('button', { name: 'Sign up with this email' }).click();
    await invitee.waitForURL(`${stack.url}/`);
    await until(() => invitee.locator('body').getAttribute('data-ready')).toBe('signed-in');
    await until(() => text(invitee, '#org-title')).toBe('Acme Corp');
    await until(() => text(invitee, '#org-role')).toBe('MEMBER');
    const joined = await fetchMe(invitee);
    expect(joined.body.data?.session.role).toBe('member');
    // A member sees only what they may do: no invitations, no role changes, only "Leave" on their own row.
    expect(await invitee.locator('#invitations').isVisible()).toBe(false);
    await until(() => invitee.locator('#members tbody tr').count()).toBeGreaterThanOrEqual(2);
    expect(await invitee.locator('#members button', { hasText: 'Remove' }).count()).toBe(0);
    expect(await invitee.locator('#members select').count()).toBe(0);
    expect(await invitee.locator('#members tr[data-email="new.hire@example.com"] button').textContent()).toBe(
      'Leave',
    );

    // Ada sees the new member (the invitation accepted), changes the role, then removes them.
    await admin.reload();
    await waitSignedIn(admin, 'Ada Okafor');
    await until(() => invitationRow.textContent()).toContain('accepted');
    const memberRow = admin.locator('#members tr[data-email="new.hire@example.com"]');
    await until(() => memberRow.count()).toBe(1);
    await memberRow.getByLabel('Role of new.hire@example.com').selectOption('admin');
    await memberRow.getByRole('button', { name: 'Change role' }).click();
    await until(() => text(admin, '#members-status')).toBe('Role changed');
    await until(() =>
      admin.locator('#members tr[data-email="new.hire@example.com"] td').nth(2).textContent(),
    ).toBe('admin');
    await admin
      .locator('#members tr[data-email="new.hire@example.com"]')
      .getByRole('button', { name: 'Remove' })
      .click();
    await until(() => text(admin, '#members-status')).toBe('Removed new.hire@example.com');
    await until(() => memberRow.count()).toBe(0);

    const after = await invitee.evaluate(async () => {
      const response = await fetch('/organizations/acme-corp', { headers: { accept: 'application/json' } });
      return { status: response.status, body: await response.json() };
    });
    expect(after.status).toBe(403);
    expect(after.body.error.code).toBe('FORBIDDEN');
  });
});
