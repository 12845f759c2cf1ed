import type { Context } from 'aws-lambda';
import { httpError } from './errors';
import { type HttpEvent, type HttpHandlerOptions, httpHandler } from './middleware';
import type { HttpResult } from './responses';

export type RouteHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/** A function's Lambda handler, dispatching on `event.routeKey`; `routes` lists the keys it serves. */
export type RoutedHandler = RouteHandler & { readonly routes: readonly string[] };

/** A route declared for a function with no handler, or a handler for a route that is not declared. */
export class RouteTableMismatchError extends Error {
  constructor(
    readonly missing: readonly string[],
    readonly undeclared: readonly string[],
  ) {
    const parts = [
      missing.length ? `no handler for ${missing.join(', ')}` : '',
      undeclared.length ? `not in the route table: ${undeclared.join(', ')}` : '',
    ];
    super(`Handlers and route table disagree: ${parts.filter(Boolean).join('; ')}`);
    this.name = 'RouteTableMismatchError';
  }
}

/**
 * Builds a function's handler from its declared route keys (from infra/routes.ts) and one handler per
 * key. Throws at construction — the cold start — when the two disagree; an unknown routeKey at run
 * time is a 404 with the base middlewares.
 */
export function routeHandlers<K extends string>(
  declared: readonly K[],
  handlers: Record<K, RouteHandler>,
  options: HttpHandlerOptions,
): RoutedHandler {
  const given = Object.keys(handlers);
  const missing = declared.filter((key) => !Object.hasOwn(handlers, key));
  const undeclared = given.filter((key) => !declared.includes(key as K));
  if (missing.length || undeclared.length) throw new RouteTableMismatchError(missing, undeclared);

  const table = new Map<string, RouteHandler>(declared.map((key) => [key, handlers[key]]));
  const notFound = httpHandler(async () => {
    throw httpError('NOT_FOUND', 'No such route');
  }, options);
  const handler = (event: HttpEvent, context: Context) =>
    (table.get(event.routeKey) ?? notFound)(event, context);
  return Object.assign(handler, { routes: [...declared] });
}
