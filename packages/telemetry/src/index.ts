import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

/** Metric namespace shared by every function; the alarms in infra/alarms.ts read these names. */
export const METRICS_NAMESPACE = 'WorkOSAuth';

/**
 * Structured JSON logs (Powertools Logger) and CloudWatch EMF metrics (Powertools Metrics) for one
 * function. Create once at module scope. Log lines carry ids, never tokens, cookies or payloads.
 */
export function createTelemetry(serviceName: string, logLevel?: LogLevel) {
  const level = logLevel ?? (process.env.LOG_LEVEL?.toUpperCase() as LogLevel | undefined) ?? 'INFO';
  const logger = new Logger({ serviceName, logLevel: level });
  const metrics = new Metrics({
    serviceName,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  });
  return { logger, metrics };
}

export type Telemetry = ReturnType<typeof createTelemetry>;
export { emitMetric, type MetricName, metricCatalogue } from './catalogue';
export { Logger, Metrics, MetricUnit };
