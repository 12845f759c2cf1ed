import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context, SQSEvent, SQSRecord } from 'aws-lambda';

export type HttpEventInput = {
  method?: string;
  path?: string;
  /** Query string without the leading `?`, exactly as API Gateway's rawQueryString. */
  query?: string;
  headers?: Record<string, string>;
  /** `name=value` pairs, as API Gateway puts them in `cookies`. */
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
  routeKey?: string;
  pathParameters?: Record<string, string>;
  sourceIp?: string;
};

/** Builds an HTTP API (payload format 2.0) event the way API Gateway delivers it. */
export function httpEvent(input: HttpEventInput = {}): APIGatewayProxyEventV2 {
  const method = (input.method ?? 'GET').toUpperCase();
  const path = input.path ?? '/';
  const rawQueryString = input.query ?? '';
  const headers: Record<string, string> = { host: 'api.example.com', 'user-agent': 'vitest' };
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  if (input.cookies?.length) headers.cookie = input.cookies.join('; ');
  const queryStringParameters: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQueryString)) {
    // API Gateway joins repeated keys with a comma.
    queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
  }
  const now = new Date();
  return {
    version: '2.0',
    routeKey: input.routeKey ?? `${method} ${path}`,
    rawPath: path,
    rawQueryString,
    cookies: input.cookies,
    headers,
    queryStringParameters: rawQueryString ? queryStringParameters : undefined,
    pathParameters: input.pathParameters,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'api.example.com',
      domainPrefix: (headers.host ?? 'api').split('.')[0] ?? 'api',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: input.routeKey ?? `${method} ${path}`,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: input.body,
    isBase64Encoded: input.isBase64Encoded ?? false,
  };
}

export function sqsRecord(body: string, overrides: Partial<SQSRecord> = {}): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDALOCAL',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:sync-queue',
    awsRegion: 'us-east-1',
    ...overrides,
  };
}

/** An SQS event as Lambda's event source mapping delivers it. */
export function sqsEvent(bodies: string[]): SQSEvent {
  return { Records: bodies.map((body) => sqsRecord(body)) };
}

export function lambdaContext(overrides: Partial<Context> = {}): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test-function',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test-function',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/test-function',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
    ...overrides,
  };
}
