import { readFileSync } from 'node:fs';
import { type Emulator, signWebhook, startEmulator } from '@app/workos-emulator';
import { DomainDataState, WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startReceiver } from '../../support/webhook-receiver';

type Fixture = {
  event: string;
  id: string;
  data: Record<string, unknown>;
  created_at: string;
  context?: unknown;
};
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/${name}.json`, import.meta.url), 'utf8')) as Fixture;

let emulator: Emulator;
let workos: WorkOS;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let secret: string;

const subscribed = [
  'user.created',
  'user.updated',
  'user.deleted',
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'organization_membership.created',
  'organization_membership.updated',
  'organization_membership.deleted',
  'session.created',
  'session.revoked',
] as const;

beforeAll(async () => {
  emulator = await startEmulator({ webhookRetry: { attempts: 4, baseDelayMs: 20 } });
  workos = new WorkOS(emulator.apiKey, {
    clientId: emulator.clientId,
    ...emulator.sdkOptions,
    maxRetries: 0,
  });
  receiver = await startReceiver();
  const endpoint = await workos.webhooks.createWebhookEndpoint({
    endpointUrl: receiver.url,
    events: [...subscribed],
  });
  secret = endpoint.secret;
});

afterAll(async () => {
  await emulator?.stop();
  await receiver?.stop();
});

beforeEach(async () => {
  await emulator.flushWebhooks();
  receiver.clear();
});

/** Creates, updates and deletes one of each kind through the SDK. */
async function lifecycle(tag: string) {
  const user = await workos.userManagement.createUser({
    email: `${tag}@example.com`,
    firstName: 'Todd',
    lastName: 'Rundgren',
  });
  await workos.userManagement.updateUser({ userId: user.id, firstName: 'Toddy' });
  const org = await workos.organizations.createOrganization({
    name: `Foo Corp ${tag}`,
    domainData: [{ domain: `${tag}.example.com`, state: DomainDataState.Verified }],
  });
  await workos.organizations.updateOrganization({ organization: org.id, name: `Foo Corp ${tag} renamed` });
  const membership = await workos.userManagement.createOrganizationMembership({
    organizationId: org.id,
    userId: user.id,
    roleSlug: 'member',
  });
  await workos.userManagement.updateOrganizationMembership(membership.id, { roleSlug: 'admin' });
  await workos.userManagement.deleteOrganizationMembership(membership.id);
  await workos.organizations.deleteOrganization(org.id);
  await workos.userManagement.deleteUser(user.id);
  return { user, org, membership };
}

const expectedSequence = [
  'user.created',
  'user.updated',
  'organization.created',
  'organization.updated',
  'organization_membership.created',
  'organization_membership.updated',
  'organization_membership.deleted',
  'organization.deleted',
  'user.deleted',
];

describe('webhooks', () => {
  it('sends every change as a webhook that webhooks.constructEvent accepts', async () => {
    const { user } = await lifecycle('todd');
    await emulator.flushWebhooks();
    expect(receiver.received.map((r) => r.event)).toEqual(expectedSequence);
    for (const delivery of receiver.received) {
      expect(delivery.signature).toMatch(/^t=\d{13}, v1=[0-9a-f]{64}$/);
      const event = await workos.webhooks.constructEvent({
        payload: delivery.body,
        sigHeader: delivery.signature ?? '',
        secret,
      });
      expect(event.id).toBe(delivery.eventId);
    }
    const deleted = JSON.parse(receiver.received.at(-1)?.body ?? '{}') as Fixture;
    expect(deleted.data).toMatchObject({ id: user.id, email: 'todd@example.com', first_name: 'Toddy' });
  });

  it('carries at least the keys of the WorkOS examples in every payload', async () => {
    await lifecycle('keys');
    await emulator.flushWebhooks();
    const keysOf = (value: object) => Object.keys(value).sort();
    const shapes: Record<string, Fixture> = {
      user: fixture('user.created'),
      organization: fixture('organization.updated'),
      organization_membership: fixture('organization_membership.created'),
    };
    const userDeleted = fixture('user.deleted');
    for (const delivery of receiver.received) {
      const event = JSON.parse(delivery.body) as Fixture;
      const family = event.event.split('.')[0] ?? '';
      const example = event.event === 'user.deleted' ? userDeleted : shapes[family];
      expect(example, event.event).toBeDefined();
      if (!example) continue;
      expect(keysOf(event)).toEqual(expect.arrayContaining(keysOf(example)));
      expect(keysOf(event.data), event.event).toEqual(expect.arrayContaining(keysOf(example.data)));
      expect(event.id).toMatch(/^event_[0-9A-Z]{26}$/);
      expect(Number.isNaN(Date.parse(event.created_at))).toBe(false);
      if (family === 'organization') {
        const [domain] = event.data.domains as Record<string, unknown>[];
        const [exampleDomain] = example.data.domains as Record<string, unknown>[];
        expect(keysOf(domain ?? {})).toEqual(expect.arrayContaining(keysOf(exampleDomain ?? {})));
      }
      if (family === 'organization_membership') {
        expect(event.data.role).toEqual({ slug: expect.any(String) });
        expect(event.data.roles).toEqual([{ slug: (event.data.role as { slug: string }).slug }]);
        expect(event.data.id).toMatch(/^om_/);
      }
    }
    const roles = receiver.received
      .filter((r) => r.event.startsWith('organization_membership.'))
      .map((r) => (JSON.parse(r.body) as Fixture).data.role);
    expect(roles).toEqual([{ slug: 'member' }, { slug: 'admin' }, { slug: 'admin' }]);
  });

  it('signs like WorkOS: signWebhook output is accepted, a wrong secret is not', async () => {
    const body = JSON.stringify(fixture('user.created'));
    const header = signWebhook(body, 'whsec_test');
    await expect(
      workos.webhooks.constructEvent({ payload: body, sigHeader: header, secret: 'whsec_test' }),
    ).resolves.toMatchObject({ event: 'user.created' });
    await expect(
      workos.webhooks.constructEvent({ payload: body, sigHeader: header, secret: 'whsec_other' }),
    ).rejects.toThrow(/Signature hash does not match/);
  });

  it('retries a failed delivery with backoff until the endpoint accepts it', async () => {
    receiver.failNext(2, 503);
    const user = emulator.store.createUser({ email: 'retry@example.com' });
    await emulator.flushWebhooks();
    expect(receiver.received.map((r) => r.event)).toEqual(['user.created']);
    const forEvent = emulator.webhooks.deliveries.filter(
      (d) => d.eventId === receiver.received[0]?.eventId && d.event === 'user.created',
    );
    expect(forEvent.map((d) => [d.attempt, d.status])).toEqual([
      [1, 503],
      [2, 503],
      [3, 200],
    ]);
    emulator.store.deleteUser(user.id);
  });

  it('gives up after the configured number of attempts', async () => {
    receiver.failNext(10, 500);
    emulator.store.createUser({ email: 'gives-up@example.com' });
    await emulator.flushWebhooks();
    receiver.failNext(0);
    expect(receiver.received).toHaveLength(0);
    const lastEvent = emulator.events.at(-1);
    expect(emulator.webhooks.deliveries.filter((d) => d.eventId === lastEvent?.id)).toHaveLength(4);
  });

  it('duplicates, delays, reorders and pauses deliveries on request', async () => {
    emulator.webhooks.duplicateNext();
    const a = emulator.store.createUser({ email: 'dup@example.com' });
    await emulator.flushWebhooks();
    expect(receiver.received.map((r) => r.event)).toEqual(['user.created', 'user.created']);
    expect(receiver.received[0]?.eventId).toBe(receiver.received[1]?.eventId);
    receiver.clear();

    emulator.webhooks.holdNext(2);
    emulator.store.updateUser(a.id, { firstName: 'First' });
    emulator.store.updateUser(a.id, { firstName: 'Second' });
    await emulator.flushWebhooks();
    expect(receiver.received).toHaveLength(0);
    expect(emulator.webhooks.heldCount).toBe(2);
    emulator.webhooks.releaseHeld();
    await emulator.flushWebhooks();
    const names = receiver.received.map((r) => (JSON.parse(r.body) as Fixture).data.first_name);
    expect(names).toEqual(['Second', 'First']);
    receiver.clear();

    emulator.webhooks.delayNext(100);
    emulator.store.updateUser(a.id, { firstName: 'Late' });
    emulator.store.updateUser(a.id, { firstName: 'Early' });
    await emulator.flushWebhooks();
    expect(receiver.received.map((r) => (JSON.parse(r.body) as Fixture).data.first_name)).toEqual([
      'Early',
      'Late',
    ]);
    receiver.clear();

    emulator.webhooks.pause();
    emulator.store.updateUser(a.id, { firstName: 'Paused' });
    await emulator.flushWebhooks();
    expect(receiver.received).toHaveLength(0);
    emulator.webhooks.resume();
    await emulator.flushWebhooks();
    expect(receiver.received.map((r) => r.event)).toEqual(['user.updated']);
  });

  it('only sends the events an endpoint subscribed to', async () => {
    const narrow = await startReceiver();
    try {
      const endpoint = emulator.webhooks.createEndpoint({
        endpointUrl: narrow.url,
        secret: 'whsec_narrow',
        events: ['organization.created'],
      });
      emulator.store.createUser({ email: 'not-for-narrow@example.com' });
      emulator.store.createOrganization({ name: 'Narrow Inc' });
      await emulator.flushWebhooks();
      expect(narrow.received.map((r) => r.event)).toEqual(['organization.created']);
      emulator.webhooks.deleteEndpoint(endpoint.id);
    } finally {
      await narrow.stop();
    }
  });
});

describe('organization domains', () => {
  it('records organization_domain events with the keys of the WorkOS example when domains change', async () => {
    const org = emulator.store.createOrganization({
      name: 'Domains Inc',
      domains: [{ domain: 'a.test', state: 'pending' }],
    });
    emulator.store.updateOrganization(org.id, {
      domains: [{ domain: 'a.test', state: 'verified' }, 'b.test'],
    });
    emulator.store.updateOrganization(org.id, { domains: ['b.test'] });
    const events = emulator.events.filter((e) => e.event.startsWith('organization_domain.'));
    expect(events.map((e) => [e.event, e.data.domain])).toEqual([
      ['organization_domain.verified', 'a.test'],
      ['organization_domain.created', 'b.test'],
      ['organization_domain.deleted', 'a.test'],
    ]);
    const example = fixture('organization_domain.verified');
    for (const event of events) {
      expect(Object.keys(event.data)).toEqual(expect.arrayContaining(Object.keys(example.data)));
      expect(event.data.organization_id).toBe(org.id);
    }
  });
});

describe('events API', () => {
  it('filters by name, pages with after, and returns the ids the webhooks carried', async () => {
    await lifecycle('events');
    await emulator.flushWebhooks();
    const webhookIds = receiver.received.filter((r) => r.event.startsWith('user.')).map((r) => r.eventId);
    expect(webhookIds).toHaveLength(3);

    const all = await workos.events.listEvents({
      events: ['user.created', 'user.updated', 'user.deleted'],
      order: 'asc',
      limit: 100,
    });
    const allIds = all.data.map((e) => e.id);
    expect(allIds).toEqual(expect.arrayContaining(webhookIds));
    expect(all.data.every((e) => e.event.startsWith('user.'))).toBe(true);

    const paged: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = await workos.events.listEvents({
        events: ['user.created', 'user.updated', 'user.deleted'],
        order: 'asc',
        limit: 2,
        ...(after ? { after } : {}),
      });
      if (page.data.length === 0) break;
      expect(page.data.length).toBeLessThanOrEqual(2);
      paged.push(...page.data.map((e) => e.id));
      after = page.listMetadata.after ?? undefined;
    }
    expect(paged).toEqual(allIds);
    expect(paged.slice(-3)).toEqual(webhookIds);

    const onlyCreated = await workos.events.listEvents({
      events: ['organization.created'],
      order: 'asc',
      limit: 100,
    });
    expect(onlyCreated.data.every((e) => e.event === 'organization.created')).toBe(true);

    const polled = await workos.events.listEvents({ events: ['user.deleted'], after: webhookIds[2] });
    expect(polled.data).toEqual([]);
  });

  it('filters by organization and time range, and requires event names', async () => {
    const org = emulator.store.createOrganization({ name: 'Ranged' });
    const user = emulator.store.createUser({ email: 'ranged@example.com' });
    emulator.store.createMembership({ userId: user.id, organizationId: org.id });
    const byOrg = await workos.events.listEvents({
      events: ['organization.created', 'organization_membership.created', 'user.created'],
      organizationId: org.id,
    });
    expect(byOrg.data.map((e) => e.event).sort()).toEqual([
      'organization.created',
      'organization_membership.created',
    ]);

    const future = new Date(Date.now() + 60_000).toISOString();
    const none = await workos.events.listEvents({ events: ['user.created'], rangeStart: future });
    expect(none.data).toEqual([]);
    await expect(workos.events.listEvents({ events: [] })).rejects.toMatchObject({ status: 422 });
  });
});
