/** What an error log line may say about an error: never the values a failed query carried. */
export type LoggableError = {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: LoggableError;
};

const MAX_CAUSES = 4;

/**
 * An error reduced to its name, code, message and stack, minus what would echo user content or
 * secrets: drizzle's "Failed query: ... params: ..." keeps only its SQL text (placeholders, no
 * values), PostgreSQL's `detail` (e.g. "Key (slug)=(...)") and the query's parameters are dropped.
 */
export function loggableError(error: unknown, depth = 0): LoggableError {
  if (!(error instanceof Error)) return { name: typeof error, message: 'a non-Error value was thrown' };
  const withQuery = error as Error & {
    query?: unknown;
    params?: unknown;
    parameters?: unknown;
    code?: unknown;
  };
  const carriesValues = 'params' in withQuery || 'parameters' in withQuery;
  const message = carriesValues
    ? typeof withQuery.query === 'string'
      ? `Failed query: ${withQuery.query}`
      : 'Failed query'
    : error.message;
  const frames = error.stack?.split('\n').filter((line) => /^\s+at /.test(line));
  const result: LoggableError = {
    name: error.name,
    message,
    ...(typeof withQuery.code === 'string' ? { code: withQuery.code } : {}),
    ...(frames?.length ? { stack: [`${error.name}: ${message}`, ...frames].join('\n') } : {}),
  };
  if (error.cause !== undefined && depth < MAX_CAUSES) result.cause = loggableError(error.cause, depth + 1);
  return result;
}
