import { organizationMemberships, organizations, users } from '@app/db';
import { httpHandler, ok } from '@app/http';
import { organizationOf, requireOrganization, requireRole, requireSession, sessionOf } from '@app/session';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, type Harness, startHarness } from '../../support/auth';
import { httpEvent, lambdaContext } from '../../support/events';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

/** A route built the way an organizations function would: session, then organization, then role. */
function adminRoute(select?: Parameters<typeof requireOrganization>[0]['select']) {
  const handler = httpHandler(
    async (_event, context) => {
      const { organization, membership } = organizationOf(context);
      return ok({ user: sessionOf(context).user.email, slug: organization.slug, role: membership.role });
    },
    { hsts: true },
  )
    .use(requireSession({ sessions: h.main.sessions, db: h.db }))
    .use(requireOrganization({ db: h.db, ...(select ? { select } : {}) }))
    .use(requireRole('ADMIN', 'OWNER'));
  return (cookie: string | undefined, headers: Record<string, string> = {}) =>
    handler(httpEvent({ path: '/x', cookies: cookie ? [cookie] : [], headers }), lambdaContext());
}

const setRole = async (workosUserId: string, workosOrgId: string, role: 'ADMIN' | 'MEMBER') => {
  const [user] = await h.db.select().from(users).where(eq(users.workosId, workosUserId));
  const [org] = await h.db.select().from(organizations).where(eq(organizations.workosOrgId, workosOrgId));
  await h.db
    .update(organizationMemberships)
    .set({ role })
    .where(
      and(eq(organizationMemberships.userId, user!.id), eq(organizationMemberships.organizationId, org!.id)),
    );
};

describe('requireSession', () => {
  it('puts the local user and the session facts on the context', async () => {
    const { cookie } = await h.signIn('admin@acme.test');
    const res = await adminRoute()(cookie);
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).data).toEqual({ user: 'admin@acme.test', slug: 'acme-corp', role: 'ADMIN' });
  });

  it('401 UNAUTHORIZED without a cookie', async () => {
    const res = await adminRoute()(undefined);
    expect([res.statusCode, bodyOf(res).error?.code]).toEqual([401, 'UNAUTHORIZED']);
  });
});

describe('requireOrganization', () => {
  it('403 NO_ORGANIZATION when the session has no organization', async () => {
    const { cookie } = await h.signIn('solo@example.com');
    const res = await adminRoute()(cookie);
    expect([res.statusCode, bodyOf(res).error?.code]).toEqual([403, 'NO_ORGANIZATION']);
  });

  it('403 FORBIDDEN when the local membership is gone, whatever the token says', async () => {
    const { cookie } = await h.signIn('admin@acme.test');
    const [user] = await h.db.select().from(users).where(eq(users.workosId, 'user_admin'));
    await h.db
      .update(organizationMemberships)
      .set({ status: 'inactive' })
      .where(eq(organizationMemberships.userId, user!.id));
    try {
      const res = await adminRoute()(cookie);
      expect([res.statusCode, bodyOf(res).error?.code]).toEqual([403, 'FORBIDDEN']);
    } finally {
      await h.db
        .update(organizationMemberships)
        .set({ status: 'active' })
        .where(eq(organizationMemberships.userId, user!.id));
    }
  });

  it('scopes to the organization a selector names (e.g. a tenant subdomain); non-members get 403', async () => {
    // Both organizations known locally: multi is in acme and globex, not in initech.
    await h.signIn('multi@example.com', { organizationId: 'org_acme' });
    const { cookie } = await h.signIn('multi@example.com', { organizationId: 'org_globex' });
    await h.db
      .insert(organizations)
      .values({ workosOrgId: 'org_initech', name: 'Initech', slug: 'initech' })
      .onConflictDoNothing();
    const bySubdomain = adminRoute((event) => {
      const host = event.headers.host ?? '';
      return host.endsWith('.app.example.com') ? { slug: host.split('.')[0] as string } : undefined;
    });
    const globex = await bySubdomain(cookie, { host: 'globex.app.example.com' });
    expect(bodyOf(globex).data).toMatchObject({ slug: 'globex', role: 'ADMIN' });
    const initech = await bySubdomain(cookie, { host: 'initech.app.example.com' });
    expect([initech.statusCode, bodyOf(initech).error?.code]).toEqual([403, 'FORBIDDEN']);
    const unknown = await bySubdomain(cookie, { host: 'nope.app.example.com' });
    expect([unknown.statusCode, bodyOf(unknown).error?.code]).toEqual([403, 'FORBIDDEN']);
  });
});

describe('requireRole', () => {
  it('reads the role from the local membership: a synced role change applies on the next request', async () => {
    const { cookie } = await h.signIn('multi@example.com', { organizationId: 'org_acme' });
    const route = adminRoute();
    const asMember = await route(cookie);
    expect([asMember.statusCode, bodyOf(asMember).error?.code]).toEqual([403, 'FORBIDDEN']);
    await setRole('user_multi', 'org_acme', 'ADMIN');
    const asAdmin = await route(cookie); // same cookie: the token still says "member"
    expect(asAdmin.statusCode).toBe(200);
    expect(bodyOf(asAdmin).data.role).toBe('ADMIN');
    await setRole('user_multi', 'org_acme', 'MEMBER');
    expect((await route(cookie)).statusCode).toBe(403);
  });

  it('fails loudly when used without requireOrganization', async () => {
    const { cookie } = await h.signIn('admin@acme.test');
    const handler = httpHandler(async () => ok({}), { hsts: true })
      .use(requireSession({ sessions: h.main.sessions, db: h.db }))
      .use(requireRole('ADMIN'));
    const res = await handler(httpEvent({ path: '/x', cookies: [cookie!] }), lambdaContext());
    expect([res.statusCode, bodyOf(res).error?.code]).toEqual([500, 'INTERNAL_ERROR']);
    expect(() => requireRole()).toThrow(TypeError);
  });
});
