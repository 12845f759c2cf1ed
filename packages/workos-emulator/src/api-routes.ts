import { notFound, required, unprocessable } from './errors';
import { json, noContent, type Request, type Route, str } from './http';
import { paginate, parseLimit, parseOrder } from './pagination';
import type { DomainInput, Store } from './store';
import type { EventJson } from './types';
import type { Webhooks } from './webhooks';

/** The record carrying a caller's `external_id`, or WorkOS's 404. */
function byExternalId<T extends { external_id?: string | null }>(
  records: T[],
  kind: string,
  externalId: string | undefined,
): T {
  const found = records.find((r) => r.external_id === externalId);
  if (!found) throw notFound(kind, externalId ?? '');
  return found;
}

const optionalString = (body: Record<string, unknown>, key: string): string | null | undefined => {
  const value = body[key];
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value !== 'string') {
    throw unprocessable('invalid_request_parameters', `${key} must be a string.`, [
      { field: key, code: 'invalid' },
    ]);
  }
  return value;
};
const optionalBoolean = (body: Record<string, unknown>, key: string): boolean | undefined => {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') {
    throw unprocessable('invalid_request_parameters', `${key} must be a boolean.`, [
      { field: key, code: 'invalid' },
    ]);
  }
  return value;
};
const optionalMetadata = (body: Record<string, unknown>): Record<string, string> | undefined => {
  const value = body.metadata;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw unprocessable('invalid_request_parameters', 'metadata must be an object.', [
      { field: 'metadata', code: 'invalid' },
    ]);
  }
  return value as Record<string, string>;
};
const optionalStringList = (body: Record<string, unknown>, key: string): string[] | undefined => {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw unprocessable('invalid_request_parameters', `${key} must be a list of strings.`, [
      { field: key, code: 'invalid' },
    ]);
  }
  return value as string[];
};

function domainInputs(body: Record<string, unknown>): DomainInput[] | undefined {
  if (Array.isArray(body.domain_data)) {
    return body.domain_data.map((d) => {
      const entry = d as { domain?: unknown; state?: unknown };
      if (typeof entry?.domain !== 'string') {
        throw unprocessable('invalid_request_parameters', 'domain_data[].domain is required.', [
          { field: 'domain_data', code: 'invalid' },
        ]);
      }
      const state = entry.state === 'pending' ? 'pending' : 'verified';
      return { domain: entry.domain, state };
    });
  }
  return optionalStringList(body, 'domains');
}

function userInput(body: Record<string, unknown>) {
  const input = {
    email: optionalString(body, 'email'),
    firstName: optionalString(body, 'first_name'),
    lastName: optionalString(body, 'last_name'),
    emailVerified: optionalBoolean(body, 'email_verified'),
    externalId: optionalString(body, 'external_id'),
    locale: optionalString(body, 'locale'),
    profilePictureUrl: optionalString(body, 'profile_picture_url'),
    metadata: optionalMetadata(body),
  };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<{
    email: string;
    firstName: string | null;
    lastName: string | null;
    emailVerified: boolean;
    externalId: string | null;
    locale: string | null;
    profilePictureUrl: string | null;
    metadata: Record<string, string>;
  }>;
}

function orgInput(body: Record<string, unknown>) {
  const input = {
    name: optionalString(body, 'name') ?? undefined,
    domains: domainInputs(body),
    externalId: optionalString(body, 'external_id'),
    metadata: optionalMetadata(body),
    allowProfilesOutsideOrganization: optionalBoolean(body, 'allow_profiles_outside_organization'),
  };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<{
    name: string;
    domains: DomainInput[];
    externalId: string | null;
    metadata: Record<string, string>;
    allowProfilesOutsideOrganization: boolean;
  }>;
}

function roleInput(body: Record<string, unknown>) {
  const roleSlug = optionalString(body, 'role_slug') ?? undefined;
  const roleSlugs = optionalStringList(body, 'role_slugs');
  return { ...(roleSlug ? { roleSlug } : {}), ...(roleSlugs ? { roleSlugs } : {}) };
}

const page = (req: Request) => ({
  limit: req.query.get('limit'),
  before: req.query.get('before'),
  after: req.query.get('after'),
  order: req.query.get('order'),
});

const listOf = (req: Request) =>
  (req.query.get('statuses') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function filterEvents(store: Store, req: Request) {
  const names = req.query
    .getAll('events')
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) {
    throw required('events');
  }
  const parseTime = (key: string) => {
    const raw = req.query.get(key);
    if (!raw) return undefined;
    const ms = Date.parse(raw);
    if (Number.isNaN(ms)) {
      throw unprocessable('invalid_request_parameters', `${key} must be an ISO 8601 timestamp.`, [
        { field: key, code: 'invalid' },
      ]);
    }
    return ms;
  };
  const start = parseTime('range_start');
  const end = parseTime('range_end');
  const orgId = req.query.get('organization_id');
  const limit = parseLimit(req.query.get('limit'));
  const order = parseOrder(req.query.get('order'), 'asc');
  const belongsTo = (e: EventJson) =>
    e.data.organization_id === orgId || (e.data.object === 'organization' && e.data.id === orgId);
  let events = store
    .listEvents()
    .filter((e) => names.includes(e.event))
    .filter((e) => start === undefined || Date.parse(e.created_at) >= start)
    .filter((e) => end === undefined || Date.parse(e.created_at) < end)
    .filter((e) => !orgId || belongsTo(e));
  if (order === 'desc') events = events.reverse();
  const after = req.query.get('after');
  if (after) {
    const cursor = store.seqOf(after);
    if (cursor === undefined) {
      throw unprocessable('invalid_request_parameters', `Unknown event id '${after}'.`, [
        { field: 'after', code: 'invalid' },
      ]);
    }
    events = events.filter((e) => {
      const seq = store.seqOf(e.id) ?? 0;
      return order === 'asc' ? seq > cursor : seq < cursor;
    });
  }
  const data = events.slice(0, limit);
  // The cursor to continue from is the last event returned (null on an empty page), so a reader
  // can keep it and poll for newer events later.
  return { object: 'list', data, list_metadata: { after: data.at(-1)?.id ?? null } };
}

/** The WorkOS REST resources the project uses, behind the API key. */
export function apiRoutes(store: Store, webhooks: Webhooks): Route[] {
  const api = (method: string, pattern: string, handler: Route['handler']): Route => ({
    method,
    pattern,
    access: 'api',
    handler,
  });
  return [
    // users
    api('GET', '/user_management/users', (req) => {
      const email = req.query.get('email')?.toLowerCase();
      const orgId = req.query.get('organization_id');
      const members = orgId
        ? new Set(
            store
              .listMemberships()
              .filter((m) => m.organization_id === orgId)
              .map((m) => m.user_id),
          )
        : undefined;
      const users = store
        .listUsers()
        .filter((u) => (!email || u.email === email) && (!members || members.has(u.id)));
      return json(200, paginate(users, page(req), store.seqOf));
    }),
    api('GET', '/user_management/users/:id', (req) => json(200, store.getUser(req.params.id ?? ''))),
    api('GET', '/user_management/users/external_id/:externalId', (req) =>
      json(200, byExternalId(store.listUsers(), 'User', req.params.externalId)),
    ),
    api('POST', '/user_management/users', (req) => {
      const input = userInput(req.body);
      if (!input.email) {
        throw required('email');
      }
      return json(201, store.createUser({ ...input, email: input.email }));
    }),
    api('PUT', '/user_management/users/:id', (req) =>
      json(200, store.updateUser(req.params.id ?? '', userInput(req.body))),
    ),
    api('DELETE', '/user_management/users/:id', (req) => {
      store.deleteUser(req.params.id ?? '');
      return noContent();
    }),
    api('GET', '/user_management/users/:id/sessions', (req) => {
      const userId = req.params.id ?? '';
      store.getUser(userId);
      const sessions = store.listSessions().filter((s) => s.user_id === userId);
      return json(200, paginate(sessions, page(req), store.seqOf));
    }),
    api('POST', '/user_management/sessions/revoke', (req) => {
      const sessionId = str(req.body.session_id);
      if (!sessionId) {
        throw required('session_id');
      }
      return json(200, store.revokeSession(sessionId));
    }),
    // organizations
    api('GET', '/organizations', (req) => {
      const domains = req.query
        .getAll('domains')
        .flatMap((d) => d.split(','))
        .filter(Boolean);
      const search = req.query.get('search')?.toLowerCase();
      const orgs = store
        .listOrganizations()
        .filter((o) => domains.length === 0 || o.domains.some((d) => domains.includes(d.domain)))
        .filter((o) => !search || o.name.toLowerCase().includes(search));
      return json(200, paginate(orgs, page(req), store.seqOf));
    }),
    api('GET', '/organizations/:id', (req) => json(200, store.getOrganization(req.params.id ?? ''))),
    api('GET', '/organizations/external_id/:externalId', (req) =>
      json(200, byExternalId(store.listOrganizations(), 'Organization', req.params.externalId)),
    ),
    api('POST', '/organizations', (req) => {
      const input = orgInput(req.body);
      return json(201, store.createOrganization({ ...input, name: input.name ?? '' }));
    }),
    api('PUT', '/organizations/:id', (req) =>
      json(200, store.updateOrganization(req.params.id ?? '', orgInput(req.body))),
    ),
    api('DELETE', '/organizations/:id', (req) => {
      store.deleteOrganization(req.params.id ?? '');
      return noContent();
    }),
    // organization memberships
    api('GET', '/user_management/organization_memberships', (req) => {
      const userId = req.query.get('user_id');
      const orgId = req.query.get('organization_id');
      if (!userId && !orgId) {
        throw unprocessable('invalid_request_parameters', 'user_id or organization_id is required.', [
          { field: 'user_id', code: 'required' },
        ]);
      }
      const statuses = listOf(req);
      const memberships = store
        .listMemberships()
        .filter((m) => (!userId || m.user_id === userId) && (!orgId || m.organization_id === orgId))
        .filter((m) => statuses.length === 0 || statuses.includes(m.status));
      return json(200, paginate(memberships, page(req), store.seqOf));
    }),
    api('GET', '/user_management/organization_memberships/:id', (req) =>
      json(200, store.getMembership(req.params.id ?? '')),
    ),
    api('POST', '/user_management/organization_memberships', (req) => {
      const userId = str(req.body.user_id);
      const organizationId = str(req.body.organization_id);
      if (!userId || !organizationId) {
        throw unprocessable('invalid_request_parameters', 'user_id and organization_id are required.', [
          { field: userId ? 'organization_id' : 'user_id', code: 'required' },
        ]);
      }
      return json(201, store.createMembership({ userId, organizationId, ...roleInput(req.body) }));
    }),
    api('PUT', '/user_management/organization_memberships/:id', (req) =>
      json(200, store.updateMembership(req.params.id ?? '', roleInput(req.body))),
    ),
    api('PUT', '/user_management/organization_memberships/:id/deactivate', (req) =>
      json(200, store.deactivateMembership(req.params.id ?? '')),
    ),
    api('PUT', '/user_management/organization_memberships/:id/reactivate', (req) =>
      json(200, store.reactivateMembership(req.params.id ?? '')),
    ),
    api('DELETE', '/user_management/organization_memberships/:id', (req) => {
      store.deleteMembership(req.params.id ?? '');
      return noContent();
    }),
    // invitations
    api('GET', '/user_management/invitations', (req) => {
      const email = req.query.get('email')?.toLowerCase();
      const orgId = req.query.get('organization_id');
      const invitations = store
        .listInvitations()
        .filter((i) => (!email || i.email === email) && (!orgId || i.organization_id === orgId));
      return json(200, paginate(invitations, page(req), store.seqOf));
    }),
    api('GET', '/user_management/invitations/by_token/:token', (req) =>
      json(200, store.findInvitationByToken(req.params.token ?? '')),
    ),
    api('GET', '/user_management/invitations/:id', (req) =>
      json(200, store.getInvitation(req.params.id ?? '')),
    ),
    api('POST', '/user_management/invitations', (req) => {
      const email = str(req.body.email);
      if (!email) {
        throw required('email');
      }
      const days = req.body.expires_in_days;
      if (days !== undefined && typeof days !== 'number') {
        throw unprocessable('invalid_request_parameters', 'expires_in_days must be a number.', [
          { field: 'expires_in_days', code: 'invalid' },
        ]);
      }
      return json(
        201,
        store.sendInvitation({
          email,
          organizationId: optionalString(req.body, 'organization_id') ?? undefined,
          inviterUserId: optionalString(req.body, 'inviter_user_id') ?? undefined,
          roleSlug: optionalString(req.body, 'role_slug') ?? undefined,
          expiresInDays: days,
        }),
      );
    }),
    api('POST', '/user_management/invitations/:id/revoke', (req) =>
      json(200, store.revokeInvitation(req.params.id ?? '')),
    ),
    api('POST', '/user_management/invitations/:id/resend', (req) =>
      json(200, store.resendInvitation(req.params.id ?? '')),
    ),
    api('POST', '/user_management/invitations/:id/accept', (req) =>
      json(200, store.acceptInvitation(req.params.id ?? '')),
    ),
    // roles
    api('GET', '/authorization/organizations/:id/roles', (req) =>
      json(200, { object: 'list', data: store.listRoles(req.params.id ?? '') }),
    ),
    // events
    api('GET', '/events', (req) => json(200, filterEvents(store, req))),
    // webhook endpoints
    api('GET', '/webhook_endpoints', (req) => {
      const endpoints = webhooks.listEndpoints();
      const all = endpoints.map((e) => ({ ...e }));
      const result = paginate(all, page(req), (id) => endpoints.findIndex((e) => e.id === id));
      return json(200, result);
    }),
    api('POST', '/webhook_endpoints', (req) => {
      const endpointUrl = str(req.body.endpoint_url);
      if (!endpointUrl) {
        throw required('endpoint_url');
      }
      const events = optionalStringList(req.body, 'events');
      const secret = str(req.body.secret);
      return json(
        201,
        webhooks.createEndpoint({
          endpointUrl,
          ...(events ? { events } : {}),
          ...(secret ? { secret } : {}),
        }),
      );
    }),
    api('PATCH', '/webhook_endpoints/:id', (req) => {
      const status = str(req.body.status);
      const endpointUrl = str(req.body.endpoint_url);
      const events = optionalStringList(req.body, 'events');
      return json(
        200,
        webhooks.updateEndpoint(req.params.id ?? '', {
          ...(endpointUrl ? { endpointUrl } : {}),
          ...(status === 'enabled' || status === 'disabled' ? { status } : {}),
          ...(events ? { events } : {}),
        }),
      );
    }),
    api('DELETE', '/webhook_endpoints/:id', (req) => {
      webhooks.deleteEndpoint(req.params.id ?? '');
      return noContent();
    }),
  ];
}
