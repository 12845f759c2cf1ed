import { organizationMemberships, organizations, users } from '@app/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf } from '../../support/auth';
import { type OrgHarness, startOrgHarness } from '../../support/organizations';

let h: OrgHarness;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  h = await startOrgHarness();
  for (const who of ['owner', 'admin', 'member', 'viewer']) {
    cookies[who] = await h.signInTo(`${who}@acme.test`, 'org_acme');
  }
  cookies.outsider = await h.signInTo('outsider@initech.test', 'org_initech');
});
afterAll(() => h.stop());

const status = (res: { statusCode?: number; body?: string }) =>
  [res.statusCode, JSON.parse(String(res.body)).error?.code ?? null] as const;

const acmeRow = async () =>
  (await h.db.select().from(organizations).where(eq(organizations.workosOrgId, 'org_acme')))[0]!;

describe('GET /organizations', () => {
  it("lists the caller's active memberships with their local role", async () => {
    const res = await h.call('GET', '/organizations', { cookie: cookies.member });
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).data).toEqual([
      {
        id: 'org_acme',
        slug: 'acme-corp',
        name: 'Acme Corp',
        logoUrl: null,
        domain: null,
        role: 'MEMBER',
        roleSlug: 'member',
      },
      {
        id: 'org_globex',
        slug: 'globex',
        name: 'Globex',
        logoUrl: null,
        domain: null,
        role: 'ADMIN',
        roleSlug: 'admin',
      },
    ]);
  });

  it('leaves out memberships that were removed (tombstoned) or deactivated', async () => {
    const membership = h.emulator.store.activeMembership('user_member', 'org_globex')!;
    h.emulator.store.deactivateMembership(membership.id);
    await h.deliverEvents();
    try {
      const res = await h.call('GET', '/organizations', { cookie: cookies.member });
      expect(bodyOf(res).data.map((o: { slug: string }) => o.slug)).toEqual(['acme-corp']);
    } finally {
      h.emulator.store.reactivateMembership(membership.id);
      await h.deliverEvents();
    }
    const back = await h.call('GET', '/organizations', { cookie: cookies.member });
    expect(bodyOf(back).data).toHaveLength(2);
  });

  it('401 UNAUTHORIZED without a session', async () => {
    expect(status(await h.call('GET', '/organizations'))).toEqual([401, 'UNAUTHORIZED']);
  });
});

describe('GET /organizations/{slug}', () => {
  it('a member reads the organization, its settings, domains and their own role', async () => {
    const res = await h.call('GET', '/organizations/acme-corp', { cookie: cookies.viewer });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(bodyOf(res).data).toMatchObject({
      id: 'org_acme',
      slug: 'acme-corp',
      name: 'Acme Corp',
      logoUrl: null,
      domain: null,
      settings: null,
      domains: [expect.objectContaining({ domain: 'acme.test' })],
      role: 'VIEWER',
    });
  });

  it('403 FORBIDDEN for a non-member, and the same answer for a slug that does not exist', async () => {
    const existing = await h.call('GET', '/organizations/acme-corp', { cookie: cookies.outsider });
    const missing = await h.call('GET', '/organizations/no-such-org', { cookie: cookies.outsider });
    expect(status(existing)).toEqual([403, 'FORBIDDEN']);
    expect(status(missing)).toEqual([403, 'FORBIDDEN']);
    expect(bodyOf(missing).error?.message).toBe(bodyOf(existing).error?.message);
  });

  it('401 without a session, before anything about the organization is looked at', async () => {
    expect(status(await h.call('GET', '/organizations/acme-corp'))).toEqual([401, 'UNAUTHORIZED']);
  });
});

describe('PATCH /organizations/{slug}', () => {
  const patch = (who: string, body: unknown, slug = 'acme-corp') =>
    h.call('PATCH', `/organizations/${slug}`, { cookie: cookies[who], body });

  it('MEMBER and VIEWER get 403 FORBIDDEN and nothing changes', async () => {
    const before = await acmeRow();
    expect(status(await patch('member', { logoUrl: 'https://cdn.test/m.png' }))).toEqual([403, 'FORBIDDEN']);
    expect(status(await patch('viewer', { logoUrl: 'https://cdn.test/v.png' }))).toEqual([403, 'FORBIDDEN']);
    expect((await acmeRow()).logoUrl).toBe(before.logoUrl);
  });

  it('a non-member gets 403 even as ADMIN elsewhere', async () => {
    // member@acme.test is ADMIN in Globex, not in Initech.
    expect(status(await patch('member', { domain: 'x.test' }, 'initech'))).toEqual([403, 'FORBIDDEN']);
  });

  it('ADMIN updates the custom fields and gets the updated organization back', async () => {
    const settings = { theme: 'dark', features: { sso: true }, seats: 12 };
    const res = await patch('admin', {
      logoUrl: 'https://cdn.acme.test/logo.png',
      settings,
      domain: 'Acme.Example.COM',
    });
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).data).toMatchObject({
      id: 'org_acme',
      name: 'Acme Corp',
      logoUrl: 'https://cdn.acme.test/logo.png',
      settings,
      domain: 'acme.example.com',
      role: 'ADMIN',
    });
    const row = await acmeRow();
    expect([row.logoUrl, row.settings, row.domain]).toEqual([
      'https://cdn.acme.test/logo.png',
      settings,
      'acme.example.com',
    ]);
    const read = await h.call('GET', '/organizations/acme-corp', { cookie: cookies.member });
    expect(bodyOf(read).data.settings).toEqual(settings);
  });

  it('OWNER may update too; fields left out are kept and null clears one', async () => {
    await patch('admin', { logoUrl: 'https://cdn.acme.test/a.png', domain: 'acme.example.com' });
    const res = await patch('owner', { logoUrl: null });
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).data).toMatchObject({ logoUrl: null, domain: 'acme.example.com', role: 'OWNER' });
  });

  it('400 VALIDATION_FAILED naming every bad or unknown field, and nothing is written', async () => {
    const before = await acmeRow();
    const res = await patch('admin', {
      name: 'Renamed',
      plan: 'enterprise',
      logoUrl: 'javascript:alert(1)',
      settings: ['not', 'an', 'object'],
      domain: 'https://acme.test/path',
    });
    expect(status(res)).toEqual([400, 'VALIDATION_FAILED']);
    const fields = bodyOf(res).error?.fields?.map((f) => f.field);
    expect(fields?.sort()).toEqual(['domain', 'logoUrl', 'name', 'plan', 'settings']);
    expect(bodyOf(res).error?.fields?.find((f) => f.field === 'name')?.message).toMatch(/WorkOS/);
    const after = await acmeRow();
    expect([after.name, after.logoUrl, after.settings, after.domain]).toEqual([
      before.name,
      before.logoUrl,
      before.settings,
      before.domain,
    ]);
  });

  it('names each invalid value', async () => {
    const cases: [unknown, string][] = [
      [{ logoUrl: 'ftp://cdn.test/x.png' }, 'logoUrl'],
      [{ logoUrl: 'not a url' }, 'logoUrl'],
      [{ settings: 'dark' }, 'settings'],
      [{ settings: { blob: 'x'.repeat(17 * 1024) } }, 'settings'],
      [{ domain: 'acme' }, 'domain'],
      [{ domain: 'acme.test:8443' }, 'domain'],
      [{ name: 'Renamed' }, 'name'],
      [{}, '(body)'],
      [[], '(body)'],
    ];
    for (const [body, field] of cases) {
      const res = await patch('admin', body);
      expect(status(res), JSON.stringify(body).slice(0, 80)).toEqual([400, 'VALIDATION_FAILED']);
      expect(bodyOf(res).error?.fields?.map((f) => f.field)).toContain(field);
    }
  });

  it('a body that is not JSON is a 400, one over 32 KB a 413', async () => {
    expect(status(await patch('admin', '{"logoUrl":'))).toEqual([400, 'VALIDATION_FAILED']);
    expect(status(await patch('admin', { settings: { blob: 'x'.repeat(40 * 1024) } }))).toEqual([
      413,
      'PAYLOAD_TOO_LARGE',
    ]);
  });
});

describe('roles come from the synced membership', () => {
  it('a role change arriving by webhook changes what the user may do on the next request', async () => {
    const cookie = cookies.member; // the token inside still says "member"
    const body = { settings: { promoted: true } };
    expect(status(await h.call('PATCH', '/organizations/acme-corp', { cookie, body }))).toEqual([
      403,
      'FORBIDDEN',
    ]);

    const membership = h.emulator.store.activeMembership('user_member', 'org_acme')!;
    h.emulator.store.updateMembership(membership.id, { roleSlug: 'admin' });
    await h.deliverEvents();
    const promoted = await h.call('PATCH', '/organizations/acme-corp', { cookie, body });
    expect(promoted.statusCode).toBe(200);
    expect(bodyOf(promoted).data.role).toBe('ADMIN');

    h.emulator.store.updateMembership(membership.id, { roleSlug: 'member' });
    await h.deliverEvents();
    expect(status(await h.call('PATCH', '/organizations/acme-corp', { cookie, body }))).toEqual([
      403,
      'FORBIDDEN',
    ]);
  });

  it('a membership deleted by webhook loses access on the next request', async () => {
    const cookie = await h.signInTo('viewer@acme.test', 'org_acme');
    expect((await h.call('GET', '/organizations/acme-corp', { cookie })).statusCode).toBe(200);
    const membership = h.emulator.store.activeMembership('user_viewer', 'org_acme')!;
    h.emulator.store.deleteMembership(membership.id);
    await h.deliverEvents();
    expect(status(await h.call('GET', '/organizations/acme-corp', { cookie }))).toEqual([403, 'FORBIDDEN']);
    const list = await h.call('GET', '/organizations', { cookie });
    expect(bodyOf(list).data).toEqual([]);
  });
});

describe('GET /organizations/{slug}/members', () => {
  const members = (cookie: string | undefined, query: Record<string, string> = {}, slug = 'globex') =>
    h.call('GET', `/organizations/${slug}/members`, { cookie, query });

  beforeAll(async () => {
    // 11 more Globex members, synced the way WorkOS would send them.
    for (let i = 0; i < 11; i++) {
      const user = h.emulator.store.createUser({
        email: `staff${String(i).padStart(2, '0')}@globex.test`,
        firstName: `Staff${i}`,
        lastName: 'Globex',
      });
      h.emulator.store.createMembership({
        userId: user.id,
        organizationId: 'org_globex',
        roleSlug: i % 3 === 0 ? 'admin' : 'member',
      });
    }
    await h.deliverEvents();
  });

  it('pages through every member exactly once, in email order', async () => {
    const cookie = await h.signInTo('member@acme.test', 'org_globex');
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await members(cookie, { limit: '5', ...(cursor ? { cursor } : {}) });
      expect(res.statusCode).toBe(200);
      const data = bodyOf(res).data;
      expect(data.members.length).toBeLessThanOrEqual(5);
      seen.push(...data.members.map((m: { email: string }) => m.email));
      cursor = data.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toContain('member@acme.test');
  });

  it('answers the documented member fields, 25 by default', async () => {
    const cookie = await h.signInTo('member@acme.test', 'org_globex');
    const res = await members(cookie);
    const data = bodyOf(res).data;
    expect(data.nextCursor).toBeNull();
    expect(data.members).toHaveLength(12);
    expect(data.members.find((m: { email: string }) => m.email === 'member@acme.test')).toEqual({
      userId: 'user_member',
      email: 'member@acme.test',
      firstName: 'Max',
      lastName: 'Member',
      role: 'ADMIN',
      roleSlug: 'admin',
      status: 'active',
    });
  });

  it('a member who is not an admin may list members; a non-member gets 403', async () => {
    const asMember = await members(cookies.member, {}, 'acme-corp');
    expect(asMember.statusCode).toBe(200);
    expect(bodyOf(asMember).data.members.length).toBeGreaterThan(1);
    expect(status(await members(cookies.outsider))).toEqual([403, 'FORBIDDEN']);
  });

  it('400 VALIDATION_FAILED for a limit out of 1..100 or a cursor it did not issue', async () => {
    const cookie = await h.signInTo('member@acme.test', 'org_globex');
    for (const [query, field] of [
      [{ limit: '0' }, 'limit'],
      [{ limit: '101' }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ limit: '2.5' }, 'limit'],
      [{ cursor: 'bm90LWEtY3Vyc29y' }, 'cursor'],
      [{ cursor: '../../etc' }, 'cursor'],
    ] as const) {
      const res = await members(cookie, query);
      expect(status(res), JSON.stringify(query)).toEqual([400, 'VALIDATION_FAILED']);
      expect(bodyOf(res).error?.fields?.[0]?.field).toBe(field);
    }
  });

  it('removed members and deleted users are not listed', async () => {
    const cookie = await h.signInTo('member@acme.test', 'org_globex');
    const staff = h.emulator.store.activeMembership(
      (await h.db.select().from(users).where(eq(users.email, 'staff00@globex.test')))[0]!.workosId,
      'org_globex',
    )!;
    h.emulator.store.deleteMembership(staff.id);
    await h.deliverEvents();
    const res = await members(cookie, { limit: '100' });
    const emails = bodyOf(res).data.members.map((m: { email: string }) => m.email);
    expect(emails).not.toContain('staff00@globex.test');
    expect(emails).toHaveLength(11);
    const [row] = await h.db
      .select({ deletedAt: organizationMemberships.deletedAt })
      .from(organizationMemberships)
      .where(and(eq(organizationMemberships.workosMembershipId, staff.id)));
    expect(row?.deletedAt).not.toBeNull();
  });
});
