import { type Database, organizationMemberships, organizations, slugify, users } from '@app/db';
import { and, eq } from 'drizzle-orm';

type Json = Record<string, unknown>;
type Role = 'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER';

const roleOf = (slug: unknown): Role =>
  slug === 'owner' ? 'OWNER' : slug === 'admin' ? 'ADMIN' : slug === 'viewer' ? 'VIEWER' : 'MEMBER';

/**
 * The baseline: the seed's way of applying a WorkOS event, kept only to be measured against. Each
 * event on its own, each statement its own transaction, read-then-write, no inbox (a redelivery
 * applies again) and no order guard (an older event overwrites a newer row). Event types the seed
 * did not handle (session.revoked, organization_domain.*) are acknowledged without a write.
 */
export async function applyLikeSeed(db: Database, body: string): Promise<void> {
  const event = JSON.parse(body) as { event: string; data: Json };
  const d = event.data;
  switch (event.event) {
    case 'user.created':
    case 'user.updated': {
      const fields = {
        email: String(d.email),
        firstName: String(d.first_name ?? ''),
        lastName: String(d.last_name ?? ''),
        emailVerified: Boolean(d.email_verified),
        profilePictureUrl: (d.profile_picture_url as string | null) ?? null,
        updatedAt: new Date(),
      };
      const [found] = await db
        .select({ id: users.id })
        .from(users)
        .where(eq(users.workosId, String(d.id)));
      if (found) await db.update(users).set(fields).where(eq(users.id, found.id));
      else await db.insert(users).values({ workosId: String(d.id), ...fields });
      return;
    }
    case 'user.deleted':
      await db.delete(users).where(eq(users.workosId, String(d.id)));
      return;
    case 'organization.created':
    case 'organization.updated': {
      const name = String(d.name);
      const [found] = await db
        .select({ id: organizations.id })
        .from(organizations)
        .where(eq(organizations.workosOrgId, String(d.id)));
      if (found)
        await db
          .update(organizations)
          .set({ name, updatedAt: new Date() })
          .where(eq(organizations.id, found.id));
      else await db.insert(organizations).values({ workosOrgId: String(d.id), name, slug: slugify(name) });
      return;
    }
    case 'organization.deleted':
      await db.delete(organizations).where(eq(organizations.workosOrgId, String(d.id)));
      return;
    case 'organization_membership.created':
    case 'organization_membership.updated':
    case 'organization_membership.deleted': {
      const [user] = await db
        .select({ id: users.id })
        .from(users)
        .where(eq(users.workosId, String(d.user_id)));
      const [org] = await db
        .select({ id: organizations.id })
        .from(organizations)
        .where(eq(organizations.workosOrgId, String(d.organization_id)));
      if (!user || !org) throw new Error('membership before its user or organization');
      const key = and(
        eq(organizationMemberships.userId, user.id),
        eq(organizationMemberships.organizationId, org.id),
      );
      if (event.event.endsWith('deleted')) {
        await db.delete(organizationMemberships).where(key);
        return;
      }
      const role = roleOf((d.role as Json | undefined)?.slug);
      const [found] = await db
        .select({ id: organizationMemberships.id })
        .from(organizationMemberships)
        .where(key);
      if (found) {
        await db
          .update(organizationMemberships)
          .set({ role, updatedAt: new Date() })
          .where(eq(organizationMemberships.id, found.id));
      } else {
        await db.insert(organizationMemberships).values({ userId: user.id, organizationId: org.id, role });
      }
      return;
    }
    default:
      return;
  }
}
