import organizationUpdated from '../test/fixtures/organization.updated.json';
import membershipCreated from '../test/fixtures/organization_membership.created.json';
import sessionCreated from '../test/fixtures/session.created.json';
import userCreated from '../test/fixtures/user.created.json';

type Json = Record<string, unknown>;
const BASE = Date.UTC(2025, 0, 1);

/**
 * A WorkOS event history as webhooks deliver it, cut into SQS batches of 10, built from the real
 * fixtures. Batch k creates an organization and three users, adds two memberships, updates a user
 * and changes a role, then carries one out-of-order update (older than the stored row: the order
 * guard skips it) and one of: a redelivered event (the inbox skips it), an organization rename, a
 * session.revoked, a user deletion. `prefix` keeps two streams apart in one database.
 */
export function eventStream(prefix: string) {
  const ids = {
    org: (k: number) => `org_${prefix}_${k}`,
    user: (k: number, i: number) => `user_${prefix}_${k}_${i}`,
    membership: (k: number, i: number) => `om_${prefix}_${k}_${i}`,
  };
  /** WorkOS updated_at: batch k happens at k*10 s; `offset` seconds later within it. */
  const at = (k: number, offset = 0) => new Date(BASE + (k * 10 + offset) * 1000).toISOString();
  let sequence = 0;
  const event = (template: Json, type: string, data: Json) => ({
    ...template,
    id: `event_${prefix}_${++sequence}`,
    event: type,
    data: { ...(template.data as Json), ...data },
    created_at: new Date(BASE + sequence).toISOString(),
  });
  const user = (type: string, k: number, i: number, updatedAt: string, firstName = 'Todd') =>
    event(userCreated, `user.${type}`, {
      id: ids.user(k, i),
      email: `${prefix}.${k}.${i}@bench.example`,
      first_name: firstName,
      updated_at: updatedAt,
    });
  const organization = (type: string, k: number, updatedAt: string, name = `${prefix} Org ${k}`) =>
    event(organizationUpdated, `organization.${type}`, {
      id: ids.org(k),
      name,
      domains: [
        {
          ...(organizationUpdated.data.domains[0] as Json),
          id: `org_domain_${prefix}_${k}`,
          organization_id: ids.org(k),
          domain: `${prefix}-${k}.example`,
        },
      ],
      updated_at: updatedAt,
    });
  const membership = (type: string, k: number, i: number, role: string, updatedAt: string) =>
    event(membershipCreated, `organization_membership.${type}`, {
      id: ids.membership(k, i),
      user_id: ids.user(k, i),
      organization_id: ids.org(k),
      status: 'active',
      role: { slug: role },
      roles: [{ slug: role }],
      updated_at: updatedAt,
    });

  let previous: Json[] = [];
  /** The k-th batch (k >= 1; batch 0 is the history before the first batch). */
  function batch(k: number): string[] {
    const events: Json[] = [
      organization('created', k, at(k)),
      user('created', k, 0, at(k)),
      user('created', k, 1, at(k)),
      user('created', k, 2, at(k)),
      membership('created', k, 0, 'member', at(k)),
      membership('created', k, 1, 'member', at(k)),
      user('updated', k, 0, at(k, 1), 'Renamed'),
      membership('updated', k, 0, 'admin', at(k, 1)),
      // Out of order: older than the row batch k-1 stored.
      user('updated', k - 1, 1, at(k - 1, -5), 'Stale'),
    ];
    switch (k % 4) {
      case 0:
        events.push(previous[1] ?? user('created', k - 1, 0, at(k - 1)));
        break;
      case 1:
        events.push(organization('updated', k - 1, at(k - 1, 2), `${prefix} Org ${k - 1} renamed`));
        break;
      case 2:
        events.push(
          event(sessionCreated, 'session.revoked', { id: `session_${prefix}_${k}`, user_id: ids.user(k, 0) }),
        );
        break;
      default:
        events.push(user('deleted', k - 1, 2, at(k - 1, 3)));
    }
    previous = events;
    return events.map((e) => JSON.stringify(e));
  }
  /** What batch 1 refers back to. */
  function history(): string[] {
    const events = [organization('created', 0, at(0)), ...[0, 1, 2].map((i) => user('created', 0, i, at(0)))];
    return events.map((e) => JSON.stringify(e));
  }
  return { batch, history };
}
