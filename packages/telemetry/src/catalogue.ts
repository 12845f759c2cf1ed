import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * THE list of the app's own CloudWatch metrics (EMF, namespace WorkOSAuth/<stage>): name, unit,
 * the dimensions the code adds (besides Powertools' `service`) and the functions that emit it.
 * Emitters go through `emitMetric`, so a name outside this list does not compile; infra/alarms.ts
 * reads names from here, and a test checks that every metric an alarm reads is emitted somewhere.
 */
export const metricCatalogue = {
  WebhookAccepted: { unit: MetricUnit.Count, dimensions: [], emittedBy: ['webhook'] },
  WebhookRejected: { unit: MetricUnit.Count, dimensions: ['reason'], emittedBy: ['webhook'] },
  EventsApplied: { unit: MetricUnit.Count, dimensions: [], emittedBy: ['sync-worker'] },
  EventsSkipped: { unit: MetricUnit.Count, dimensions: ['reason'], emittedBy: ['sync-worker'] },
  EventsFailed: { unit: MetricUnit.Count, dimensions: ['reason'], emittedBy: ['sync-worker'] },
  ParentsFetched: { unit: MetricUnit.Count, dimensions: [], emittedBy: ['sync-worker'] },
  CallbackFailed: { unit: MetricUnit.Count, dimensions: ['code'], emittedBy: ['auth'] },
  RefreshOutcome: {
    unit: MetricUnit.Count,
    dimensions: ['outcome'],
    emittedBy: ['auth', 'me', 'organizations'],
  },
  ReconcileLagSeconds: { unit: MetricUnit.Seconds, dimensions: [], emittedBy: ['reconcile'] },
  ReconcileEventsEnqueued: { unit: MetricUnit.Count, dimensions: [], emittedBy: ['reconcile'] },
  ReconcileRetries: { unit: MetricUnit.Count, dimensions: [], emittedBy: ['reconcile'] },
  BackfillApplied: { unit: MetricUnit.Count, dimensions: ['phase'], emittedBy: ['backfill'] },
  BackfillTombstoned: { unit: MetricUnit.Count, dimensions: [], emittedBy: ['backfill'] },
  NotificationsSent: { unit: MetricUnit.Count, dimensions: [], emittedBy: ['notifier'] },
  NotificationsFailed: { unit: MetricUnit.Count, dimensions: ['reason'], emittedBy: ['notifier'] },
  NotificationsRetried: { unit: MetricUnit.Count, dimensions: [], emittedBy: ['notifier'] },
  NotificationsNotConfigured: { unit: MetricUnit.Count, dimensions: [], emittedBy: ['notifier'] },
  OutboxSwept: { unit: MetricUnit.Count, dimensions: [], emittedBy: ['notifier'] },
  /** HTTP API requests API Gateway throttled (429): counted by a metric filter on the access logs. */
  ApiThrottled: { unit: MetricUnit.Count, dimensions: [], emittedBy: ['access-log metric filter'] },
  /** A request or invocation refused because a secret still holds its placeholder (per function). */
  NotConfigured: {
    unit: MetricUnit.Count,
    dimensions: [],
    emittedBy: ['auth', 'me', 'organizations', 'webhook', 'sync-worker', 'reconcile', 'backfill'],
  },
} as const;

export type MetricName = keyof typeof metricCatalogue;

/** Publishes one EMF line for a catalogued metric, with the catalogue's unit. */
export function emitMetric(
  metrics: Metrics | undefined,
  name: MetricName,
  value: number,
  dimensions: Record<string, string> = {},
) {
  if (!metrics) return;
  const single = metrics.singleMetric();
  for (const [key, dimensionValue] of Object.entries(dimensions)) single.addDimension(key, dimensionValue);
  single.addMetric(name, metricCatalogue[name].unit, value);
}
