import { InvalidEventError, parseEnvelope } from '@app/sync';
import { describe, expect, it } from 'vitest';
import organizationUpdated from '../../fixtures/organization.updated.json';
import domainVerified from '../../fixtures/organization_domain.verified.json';
import membershipCreated from '../../fixtures/organization_membership.created.json';
import sessionCreated from '../../fixtures/session.created.json';
import userCreated from '../../fixtures/user.created.json';
import userDeleted from '../../fixtures/user.deleted.json';

describe('parseEnvelope', () => {
  it.each([userCreated, userDeleted, organizationUpdated, membershipCreated, domainVerified, sessionCreated])(
    'accepts the real WorkOS fixture $event',
    (fixture) => {
      const event = parseEnvelope(JSON.stringify(fixture));
      expect(event).toMatchObject({ id: fixture.id, event: fixture.event });
      expect(event.data).toEqual(fixture.data);
    },
  );

  it('keeps fields it does not know', () => {
    const event = parseEnvelope(
      JSON.stringify({ ...userCreated, extra: 1, data: { ...userCreated.data, x: 2 } }),
    );
    expect(event.data.x).toBe(2);
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['no id', JSON.stringify({ event: 'user.created', data: {} })],
    ['an empty id', JSON.stringify({ id: '', event: 'user.created', data: {} })],
    ['no event', JSON.stringify({ id: 'event_1', data: {} })],
    ['data that is not an object', JSON.stringify({ id: 'event_1', event: 'user.created', data: [] })],
  ])('rejects %s as an invalid event, naming paths but never values', (_name, body) => {
    let error: unknown;
    try {
      parseEnvelope(body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).code).toBe('INVALID_EVENT');
    expect((error as Error).message).not.toContain('user.created');
  });
});
