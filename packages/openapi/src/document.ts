import {
  listQuery,
  notificationSchema,
  notificationsPageSchema,
  readAllSchema,
} from '@app/notifications/api';
import {
  changeRoleBody,
  createOrganizationBody,
  invitationSchema,
  inviteBody,
  memberSchema,
  membersPageSchema,
  organizationDetailSchema,
  organizationPatchSchema,
  organizationSummarySchema,
  PERMISSIONS,
  roleSchema,
} from '@app/organizations';
import { loginQuery, profilePatchSchema, selectOrganizationForm, switchBody } from '@app/session';
import * as z from 'zod';
import { type HttpFunction, type RouteKeyOf, routeKey, routes } from '../../../infra/routes';
import {
  envelope,
  errorEnvelope,
  healthSchema,
  logoutSchema,
  meSchema,
  publicUserSchema,
  switchedSchema,
  webhookAckSchema,
} from './schemas';

type RouteKey = RouteKeyOf<HttpFunction>;

type Reply = { description: string; json?: z.ZodType; html?: true; redirect?: true };

/** What the document says about one route; every route of infra/routes.ts must have one. */
export type RouteDoc = {
  summary: string;
  tag: 'auth' | 'me' | 'organizations' | 'notifications' | 'webhooks' | 'meta';
  /** `session`: the `wos-session` cookie; `signature`: the WorkOS-Signature header; `none`: public. */
  auth: 'session' | 'signature' | 'none';
  /** WorkOS permission the session's organization must grant. */
  permission?: string;
  query?: z.ZodObject;
  json?: z.ZodType;
  form?: z.ZodType;
  responses: Record<number, Reply>;
};

const redirect = (description: string): Reply => ({ description, redirect: true });
const data = (description: string, schema: z.ZodType): Reply => ({ description, json: envelope(schema) });

const manage = 'members:write (or the caller themselves)';

/** One entry per route; typed by the route table, so a new route without docs does not compile. */
export const routeDocs: Record<RouteKey, RouteDoc> = {
  'GET /auth/login': {
    summary: 'Start a login: PKCE + sealed state, redirect to WorkOS AuthKit',
    tag: 'auth',
    auth: 'none',
    query: loginQuery,
    responses: { 302: redirect('To WorkOS AuthKit') },
  },
  'GET /auth/callback': {
    summary: 'Finish a login: exchange the code, set the session cookie',
    tag: 'auth',
    auth: 'none',
    query: z.object({
      code: z.string().optional(),
      state: z.string().optional(),
      error: z.string().optional(),
    }),
    responses: {
      200: { description: 'Organization choice page (a user in several organizations)', html: true },
      302: redirect('To returnTo, with the session cookie; or back to /auth/login?error=...'),
    },
  },
  'POST /auth/select-organization': {
    summary: 'Complete a login with the organization chosen on the choice page',
    tag: 'auth',
    auth: 'none',
    form: selectOrganizationForm,
    responses: { 303: redirect('To returnTo, with the session cookie') },
  },
  'POST /auth/logout': {
    summary: 'Clear the session and end it at WorkOS',
    tag: 'auth',
    auth: 'none',
    responses: {
      200: data('The WorkOS logout URL (when Accept is JSON)', logoutSchema),
      303: redirect('To the WorkOS logout URL'),
    },
  },
  'POST /auth/switch-organization': {
    summary: 'Refresh the session into another organization of the user',
    tag: 'auth',
    auth: 'session',
    json: switchBody,
    responses: { 200: data('The new session facts (new cookie set)', switchedSchema) },
  },
  'GET /me': {
    summary: 'The current user, memberships and session facts',
    tag: 'me',
    auth: 'session',
    responses: { 200: data('The caller', meSchema) },
  },
  'PATCH /me': {
    summary: 'Update custom profile fields',
    tag: 'me',
    auth: 'session',
    json: profilePatchSchema,
    responses: { 200: data('The updated user', publicUserSchema) },
  },
  'GET /health': {
    summary: 'Liveness',
    tag: 'meta',
    auth: 'none',
    responses: { 200: data('Alive', healthSchema) },
  },
  'POST /webhooks/workos': {
    summary: 'WorkOS webhook: verified, then queued for the sync worker',
    tag: 'webhooks',
    auth: 'signature',
    json: z.object({ id: z.string(), event: z.string(), data: z.record(z.string(), z.unknown()) }),
    responses: { 200: { description: 'Accepted (no envelope)', json: webhookAckSchema } },
  },
  'GET /organizations': {
    summary: "The caller's organizations",
    tag: 'organizations',
    auth: 'session',
    responses: { 200: data('Organizations with the caller’s role', z.array(organizationSummarySchema)) },
  },
  'POST /organizations': {
    summary: 'Create an organization in WorkOS; the caller becomes its admin',
    tag: 'organizations',
    auth: 'session',
    json: createOrganizationBody,
    responses: { 201: data('The new organization', organizationSummarySchema) },
  },
  'GET /organizations/{slug}': {
    summary: 'One organization of the caller',
    tag: 'organizations',
    auth: 'session',
    responses: { 200: data('The organization', organizationDetailSchema) },
  },
  'PATCH /organizations/{slug}': {
    summary: 'Update the organization’s custom fields (role ADMIN or OWNER)',
    tag: 'organizations',
    auth: 'session',
    json: organizationPatchSchema,
    responses: { 200: data('The updated organization', organizationDetailSchema) },
  },
  'GET /organizations/{slug}/members': {
    summary: 'Members, keyset-paginated',
    tag: 'organizations',
    auth: 'session',
    query: z.object({ limit: z.string().optional(), cursor: z.string().optional() }),
    responses: { 200: data('A page of members', membersPageSchema) },
  },
  'PATCH /organizations/{slug}/members/{userId}': {
    summary: 'Change a member’s role in WorkOS (never the last admin)',
    tag: 'organizations',
    auth: 'session',
    permission: PERMISSIONS.membersWrite,
    json: changeRoleBody,
    responses: { 200: data('The membership', memberSchema) },
  },
  'DELETE /organizations/{slug}/members/{userId}': {
    summary: 'Remove a member in WorkOS, or leave (never the last admin)',
    tag: 'organizations',
    auth: 'session',
    permission: manage,
    responses: { 200: data('Removed', z.object({ userId: z.string(), removed: z.literal(true) })) },
  },
  'GET /organizations/{slug}/invitations': {
    summary: 'Invitations of the organization, newest first',
    tag: 'organizations',
    auth: 'session',
    permission: PERMISSIONS.membersWrite,
    responses: { 200: data('Invitations', z.array(invitationSchema)) },
  },
  'POST /organizations/{slug}/invitations': {
    summary: 'Invite an address with a role (WorkOS sends the email)',
    tag: 'organizations',
    auth: 'session',
    permission: PERMISSIONS.membersWrite,
    json: inviteBody,
    responses: { 201: data('The invitation', invitationSchema) },
  },
  'DELETE /organizations/{slug}/invitations/{id}': {
    summary: 'Revoke a pending invitation',
    tag: 'organizations',
    auth: 'session',
    permission: PERMISSIONS.membersWrite,
    responses: { 200: data('The revoked invitation', invitationSchema) },
  },
  'POST /organizations/{slug}/invitations/{id}/resend': {
    summary: 'Send a pending or expired invitation again',
    tag: 'organizations',
    auth: 'session',
    permission: PERMISSIONS.membersWrite,
    responses: { 200: data('The invitation', invitationSchema) },
  },
  'GET /organizations/{slug}/roles': {
    summary: 'The roles WorkOS defines for the organization',
    tag: 'organizations',
    auth: 'session',
    permission: PERMISSIONS.membersRead,
    responses: { 200: data('Roles', z.array(roleSchema)) },
  },
  'GET /notifications': {
    summary: "The user's notifications, newest first (in-app by default), with the unread count",
    tag: 'notifications',
    auth: 'session',
    query: listQuery,
    responses: { 200: data('A page of notifications', notificationsPageSchema) },
  },
  'POST /notifications/{id}/read': {
    summary: 'Mark one in-app notification read (idempotent)',
    tag: 'notifications',
    auth: 'session',
    responses: { 200: data('The notification', notificationSchema) },
  },
  'POST /notifications/read-all': {
    summary: 'Mark every unread in-app notification read',
    tag: 'notifications',
    auth: 'session',
    responses: { 200: data('How many were marked', readAllSchema) },
  },
  'GET /openapi.json': {
    summary: 'This document',
    tag: 'meta',
    auth: 'none',
    responses: { 200: { description: 'OpenAPI 3.1 document', json: z.record(z.string(), z.unknown()) } },
  },
};

type JsonSchema = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
};

const pathParameters = (path: string) =>
  [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));

function operation(key: RouteKey, path: string, doc: RouteDoc) {
  const parameters: JsonSchema[] = [...pathParameters(path)];
  if (doc.query) {
    const shape = jsonSchema(doc.query, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, schema] of Object.entries(shape.properties ?? {})) {
      parameters.push({ name, in: 'query', required: shape.required?.includes(name) ?? false, schema });
    }
  }
  const responses: Record<string, JsonSchema> = {};
  for (const [status, reply] of Object.entries(doc.responses)) {
    const content = reply.json
      ? { 'application/json': { schema: jsonSchema(reply.json, 'output') } }
      : reply.html
        ? { 'text/html': { schema: { type: 'string' } } }
        : undefined;
    responses[status] = {
      description: reply.description,
      ...(reply.redirect ? { headers: { Location: { schema: { type: 'string' } } } } : {}),
      ...(content ? { content } : {}),
    };
  }
  responses.default = {
    description: 'An error: a documented code (docs/errors.md)',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
  const body = doc.json
    ? { 'application/json': { schema: jsonSchema(doc.json, 'input') } }
    : doc.form
      ? { 'application/x-www-form-urlencoded': { schema: jsonSchema(doc.form, 'input') } }
      : undefined;
  return {
    operationId: key.replace(/[^A-Za-z0-9]+/g, '_').replace(/_$/, ''),
    summary: doc.summary,
    tags: [doc.tag],
    ...(doc.permission ? { description: `Needs the WorkOS permission ${doc.permission}.` } : {}),
    ...(doc.auth === 'session' ? { security: [{ session: [] }] } : {}),
    ...(doc.auth === 'signature' ? { security: [{ workosSignature: [] }] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(body ? { requestBody: { required: true, content: body } } : {}),
    responses,
  };
}

let built: JsonSchema | undefined;

/** The OpenAPI 3.1 document of every route in infra/routes.ts, from the zod schemas the code uses. */
export function openApiDocument(): JsonSchema {
  if (built) return built;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const key = routeKey(route) as RouteKey;
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = operation(
      key,
      route.path,
      routeDocs[key],
    );
  }
  built = {
    openapi: '3.1.0',
    info: {
      title: 'workos-lambda-auth',
      version: '0.1.0',
      description:
        'WorkOS authentication on AWS serverless. JSON responses use the envelope {success, data} / {success, error}.',
    },
    paths,
    components: {
      schemas: { Error: jsonSchema(errorEnvelope, 'output') },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'wos-session' },
        workosSignature: { type: 'apiKey', in: 'header', name: 'WorkOS-Signature' },
      },
    },
  };
  return built;
}
