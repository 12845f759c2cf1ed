import type { Store } from './store';
import type { EmulatorSeed } from './types';

/**
 * Demo data for the local stack: one user in no organization, one admin of one organization,
 * one member of two organizations (so the login asks to pick one).
 */
export const demoSeed: EmulatorSeed = {
  roles: [
    { slug: 'admin', permissions: ['members:read', 'members:write', 'settings:write'] },
    { slug: 'member', permissions: ['members:read'] },
  ],
  users: [
    { id: 'user_demo_solo', email: 'sam.rivera@example.com', firstName: 'Sam', lastName: 'Rivera' },
    { id: 'user_demo_admin', email: 'ada.okafor@acme.test', firstName: 'Ada', lastName: 'Okafor' },
    { id: 'user_demo_multi', email: 'lin.chen@example.com', firstName: 'Lin', lastName: 'Chen' },
  ],
  organizations: [
    { id: 'org_01DemoAcme', name: 'Acme Corp', domains: ['acme.test'] },
    { id: 'org_01DemoGlobex', name: 'Globex', domains: ['globex.test'] },
  ],
  memberships: [
    { user: 'ada.okafor@acme.test', organization: 'Acme Corp', role: 'admin' },
    { user: 'lin.chen@example.com', organization: 'Acme Corp', role: 'member' },
    { user: 'lin.chen@example.com', organization: 'Globex', role: 'admin' },
  ],
};

/** Loads a seed through the store (so seeding records events too, like creating through the API). */
export function applySeed(store: Store, seed: EmulatorSeed) {
  if (seed.roles) store.setRoles(seed.roles);
  for (const u of seed.users ?? []) {
    store.createUser({
      ...(u.id ? { id: u.id } : {}),
      email: u.email,
      firstName: u.firstName ?? null,
      lastName: u.lastName ?? null,
      emailVerified: u.emailVerified ?? true,
      profilePictureUrl: u.profilePictureUrl ?? null,
      externalId: u.externalId ?? null,
      ...(u.metadata ? { metadata: u.metadata } : {}),
      ...(u.impersonator ? { impersonator: u.impersonator } : {}),
    });
  }
  for (const o of seed.organizations ?? []) {
    store.createOrganization({
      ...(o.id ? { id: o.id } : {}),
      name: o.name,
      domains: o.domains ?? [],
      externalId: o.externalId ?? null,
      ...(o.metadata ? { metadata: o.metadata } : {}),
    });
  }
  for (const m of seed.memberships ?? []) {
    const user = store.findUser(m.user) ?? store.findUserByEmail(m.user);
    if (!user) throw new Error(`seed membership: no user '${m.user}'`);
    const org = store.findOrganization(m.organization) ?? store.findOrganizationByName(m.organization);
    if (!org) throw new Error(`seed membership: no organization '${m.organization}'`);
    store.createMembership({
      ...(m.id ? { id: m.id } : {}),
      userId: user.id,
      organizationId: org.id,
      ...(m.role ? { roleSlug: m.role } : {}),
      ...(m.roles ? { roleSlugs: m.roles } : {}),
      ...(m.status ? { status: m.status } : {}),
      ...(m.customAttributes ? { customAttributes: m.customAttributes } : {}),
    });
  }
}
