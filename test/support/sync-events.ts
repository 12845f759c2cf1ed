import { randomUUID } from 'node:crypto';
import organizationUpdated from '../fixtures/organization.updated.json';
import domainVerified from '../fixtures/organization_domain.verified.json';
import membershipCreated from '../fixtures/organization_membership.created.json';
import sessionCreated from '../fixtures/session.created.json';
import userCreated from '../fixtures/user.created.json';

/** WorkOS events built from the real fixtures: a fresh event id, the type and data overrides given. */
type Json = Record<string, unknown>;

const eventId = () => `event_${randomUUID().replaceAll('-', '').slice(0, 26).toUpperCase()}`;

function build(template: Json, type: string, data: Json): Json {
  return {
    ...template,
    id: eventId(),
    event: type,
    data: { ...(template.data as Json), ...data },
  };
}

export const at = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString();

export const userEvent = (action: 'created' | 'updated' | 'deleted', data: Json) =>
  build(userCreated, `user.${action}`, data);
export const orgEvent = (action: 'created' | 'updated' | 'deleted', data: Json) =>
  build(organizationUpdated, `organization.${action}`, { domains: [], ...data });
export const membershipEvent = (action: 'created' | 'updated' | 'deleted', data: Json) =>
  build(membershipCreated, `organization_membership.${action}`, data);
export const domainEvent = (action: string, data: Json) =>
  build(domainVerified, `organization_domain.${action}`, data);
export const sessionEvent = (action: string, data: Json) => build(sessionCreated, `session.${action}`, data);
export const rawEvent = (type: string, data: Json) => ({ object: 'event', id: eventId(), event: type, data });

export const body = (event: Json) => JSON.stringify(event);
