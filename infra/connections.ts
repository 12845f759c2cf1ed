import type { Settings } from './settings';

/**
 * PostgreSQL connections, budgeted per stage. Every function that uses the database holds at most
 * one connection per instance (pool of 1) and has a known maximum number of instances (reserved
 * concurrency, or the SQS event source's maximum concurrency for the worker). Their sum, plus the
 * migration and a reserve for people and tools, must fit what the database accepts:
 * max_connections of the instance class, or the proxy's share of it. test/infra/connections.test.ts
 * checks every stage in cdk.json.
 */

/**
 * max_connections that RDS for PostgreSQL derives for a class: LEAST(DBInstanceClassMemory/9531392,
 * 5000), where DBInstanceClassMemory is the memory left after the OS and RDS processes. Rounded down
 * from what those instances report; a class missing here fails the budget test until it is added.
 */
export const MAX_CONNECTIONS: Record<string, number> = {
  't4g.micro': 81,
  't4g.small': 189,
  't4g.medium': 410,
  't4g.large': 823,
  't4g.xlarge': 1660,
  'm7g.large': 823,
  'm7g.xlarge': 1660,
  'r7g.large': 1660,
  'r7g.xlarge': 3376,
};

/** Connections kept free for people and tools (psql, a one-off migration, monitoring). */
export const OPS_RESERVE = 10;
/** The migrate custom resource: one connection while a deploy runs. */
export const MIGRATE_CONNECTIONS = 1;
/** Pool size of every database function (one request at a time per Lambda instance). */
export const POOL_SIZE = 1;
/** Scheduled and ops-invoked functions run one at a time (reserved concurrency 1). */
export const SINGLETON_CONCURRENCY = 1;

/** Notifier instances at most (the SQS event source's floor is 2): two database connections. */
export const NOTIFIER_MAX_CONCURRENCY = 2;
/** The in-app notifications API (list, read): reserved concurrency, small reads. */
export const NOTIFICATIONS_CONCURRENCY = 5;

export type DatabaseFunction =
  | 'auth'
  | 'me'
  | 'organizations'
  | 'notifications'
  | 'sync-worker'
  | 'notifier'
  | 'reconcile'
  | 'backfill';

/** Database functions capped by their SQS event source's maximum concurrency, not reserved concurrency. */
export const QUEUE_CAPPED: readonly DatabaseFunction[] = ['sync-worker', 'notifier'];

/** The maximum number of concurrent instances of each database function at a stage. */
export function databaseConcurrency(settings: Settings): Record<DatabaseFunction, number> {
  return {
    auth: settings.authConcurrency,
    me: settings.meConcurrency,
    organizations: settings.organizationsConcurrency,
    notifications: NOTIFICATIONS_CONCURRENCY,
    'sync-worker': settings.workerMaxConcurrency,
    notifier: NOTIFIER_MAX_CONCURRENCY,
    reconcile: SINGLETON_CONCURRENCY,
    backfill: SINGLETON_CONCURRENCY,
  };
}

export type ConnectionBudget = {
  /** Connections each database function can hold at once (instances x pool size). */
  functions: Record<DatabaseFunction, number>;
  functionsTotal: number;
  migrate: number;
  reserve: number;
  total: number;
  /** max_connections of the instance class; undefined for a class not in MAX_CONNECTIONS. */
  maxConnections: number | undefined;
  /** Through RDS Proxy: the connections the proxy may open (its share of max_connections). */
  proxyShare: number | undefined;
  via: 'proxy' | 'direct';
  /** Why the budget does not fit; empty when it does. */
  problems: string[];
};

export function connectionBudget(settings: Settings): ConnectionBudget {
  const functions = Object.fromEntries(
    Object.entries(databaseConcurrency(settings)).map(([name, n]) => [name, n * POOL_SIZE]),
  ) as Record<DatabaseFunction, number>;
  const functionsTotal = Object.values(functions).reduce((sum, n) => sum + n, 0);
  const total = functionsTotal + MIGRATE_CONNECTIONS + OPS_RESERVE;
  const maxConnections = MAX_CONNECTIONS[settings.dbInstanceClass];
  const proxyShare =
    settings.dbProxy && maxConnections !== undefined
      ? Math.floor((maxConnections * settings.dbProxyMaxConnectionsPercent) / 100)
      : undefined;
  const problems: string[] = [];
  if (maxConnections === undefined) {
    problems.push(`max_connections of ${settings.dbInstanceClass} is unknown: add it to MAX_CONNECTIONS`);
  } else if (total > maxConnections) {
    problems.push(
      `${total} connections exceed max_connections ${maxConnections} of ${settings.dbInstanceClass}`,
    );
  }
  if (proxyShare !== undefined && maxConnections !== undefined) {
    // Pinned sessions can hold one database connection per client connection.
    if (functionsTotal > proxyShare) {
      problems.push(`${functionsTotal} function connections exceed the proxy's ${proxyShare}`);
    }
    if (maxConnections - proxyShare < MIGRATE_CONNECTIONS + OPS_RESERVE) {
      problems.push('the proxy leaves too few direct connections for migrate and the ops reserve');
    }
  }
  return {
    functions,
    functionsTotal,
    migrate: MIGRATE_CONNECTIONS,
    reserve: OPS_RESERVE,
    total,
    maxConnections,
    proxyShare,
    via: settings.dbProxy ? 'proxy' : 'direct',
    problems,
  };
}
