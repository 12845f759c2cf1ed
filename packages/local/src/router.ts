import type { Route } from '../../../infra/routes';

export type RouteMatch =
  | { kind: 'found'; route: Route; routeKey: string; pathParameters: Record<string, string> }
  | { kind: 'method-not-allowed' }
  | { kind: 'not-found' };

/** Matches method + path against the route table, with `{name}` path parameters as API Gateway does. */
export function makeRouter(routes: readonly Route[]) {
  const compiled = routes.map((route) => {
    const names: string[] = [];
    const pattern = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { route, names, regex: new RegExp(`^${pattern}$`) };
  });
  return (method: string, path: string): RouteMatch => {
    let pathMatched = false;
    for (const { route, names, regex } of compiled) {
      const m = regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method.toUpperCase()) continue;
      const pathParameters: Record<string, string> = {};
      names.forEach((name, i) => {
        pathParameters[name] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { kind: 'found', route, routeKey: `${route.method} ${route.path}`, pathParameters };
    }
    return pathMatched ? { kind: 'method-not-allowed' } : { kind: 'not-found' };
  };
}
