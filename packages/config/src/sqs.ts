import { AwsClient } from 'aws4fetch';
import { credentialsFromEnv } from './aws-credentials';
import { withRetry } from './retry';

/**
 * Two attempts, each ending after `requestTimeoutMs` (connecting included: `fetch` has no separate
 * connect timeout), so a black-holed endpoint fails in seconds instead of holding the function until
 * its timeout. Each call also takes the caller's abort signal (the invocation's budget, budget.ts).
 */
export const SQS_LIMITS = { attempts: 2, requestTimeoutMs: 3_000, retryBaseDelayMs: 100 } as const;

export type MessageAttributes = Record<string, { DataType: 'String'; StringValue: string }>;

export type SendMessageInput = {
  QueueUrl: string;
  MessageBody: string;
  MessageAttributes?: MessageAttributes;
};

export type SendMessageBatchEntry = {
  /** Unique within the batch; `Failed[].Id` names it. */
  Id: string;
  MessageBody: string;
  MessageAttributes?: MessageAttributes;
};

export type SendMessageBatchOutput = {
  Successful?: { Id: string; MessageId: string }[];
  Failed?: { Id: string; SenderFault: boolean; Code: string; Message?: string }[];
};

export type SqsCallOptions = {
  /** Ends the call (and any retry): the invocation's budget, or a caller's timeout. */
  signal?: AbortSignal | undefined;
};

/**
 * The SQS actions this app's functions call, over SQS's AWS JSON 1.0 protocol: one POST per action,
 * signed with SigV4 (aws4fetch). Receiving is the Lambda event source mapping's job, not theirs.
 */
export type Sqs = {
  sendMessage(input: SendMessageInput, options?: SqsCallOptions): Promise<{ MessageId: string }>;
  sendMessageBatch(
    input: { QueueUrl: string; Entries: SendMessageBatchEntry[] },
    options?: SqsCallOptions,
  ): Promise<SendMessageBatchOutput>;
  changeMessageVisibility(
    input: { QueueUrl: string; ReceiptHandle: string; VisibilityTimeout: number },
    options?: SqsCallOptions,
  ): Promise<void>;
};

/** An error answer from SQS: `name` is its error code (e.g. `QueueDoesNotExist`), `status` the HTTP status. */
export class SqsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = code;
  }
}

/** Error codes AWS answers with HTTP 400 when it throttles: worth another try, like a 5xx. */
const THROTTLING = new Set([
  'ThrottlingException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

/** Throttled, a server error, a timed-out attempt or no HTTP answer at all; never a refused request. */
export function isRetryableSqsError(error: unknown): boolean {
  if (error instanceof SqsError)
    return error.status >= 500 || error.status === 429 || THROTTLING.has(error.code);
  return true;
}

/**
 * The one way this project's functions talk to SQS. With SQS_ENDPOINT (the local emulator) it uses
 * dummy credentials; in AWS, the function role's credentials from the environment and the regional
 * endpoint of AWS_REGION. Nothing is read until the first call, so building it at import never fails.
 */
export function createSqs(
  settings: { SQS_ENDPOINT?: string | undefined },
  limits: { requestTimeoutMs?: number } = {},
): Sqs {
  const requestTimeoutMs = limits.requestTimeoutMs ?? SQS_LIMITS.requestTimeoutMs;
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const endpoint = settings.SQS_ENDPOINT ?? `https://sqs.${region}.amazonaws.com/`;
  let client: AwsClient | undefined;
  const signer = () => {
    client ??= new AwsClient({
      ...(settings.SQS_ENDPOINT
        ? { accessKeyId: 'local', secretAccessKey: 'local' }
        : credentialsFromEnv('Sending to SQS')),
      service: 'sqs',
      region,
      // No retries of its own: call() owns them (SQS_LIMITS).
      retries: 0,
    });
    return client;
  };

  async function attempt(
    client: AwsClient,
    action: string,
    body: string,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const timeout = AbortSignal.timeout(requestTimeoutMs);
    const request = await client.sign(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` },
      body,
    });
    const response = await fetch(request, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    const text = await response.text();
    if (response.ok) return text ? JSON.parse(text) : {};
    const json = parseObject(text);
    // `__type` is `com.amazonaws.sqs#QueueDoesNotExist` (or the bare code).
    const code =
      String(json.__type ?? `Http${response.status}`)
        .split('#')
        .pop() ?? 'Unknown';
    const message = String(json.message ?? json.Message ?? `SQS ${action} failed with ${response.status}`);
    throw new SqsError(code, message, response.status);
  }

  async function call<T>(action: string, input: object, options: SqsCallOptions = {}): Promise<T> {
    const client = signer();
    const body = JSON.stringify(input);
    return withRetry(() => attempt(client, action, body, options.signal) as Promise<T>, {
      policy: { attempts: SQS_LIMITS.attempts, baseDelayMs: SQS_LIMITS.retryBaseDelayMs, maxDelayMs: 1_000 },
      // The caller's signal ends the call: a retry would fail the same way.
      retryable: (error) => !options.signal?.aborted && isRetryableSqsError(error),
    });
  }

  return {
    sendMessage: (input, options) => call('SendMessage', input, options),
    sendMessageBatch: (input, options) => call('SendMessageBatch', input, options),
    changeMessageVisibility: async (input, options) => {
      await call('ChangeMessageVisibility', input, options);
    },
  };
}

/** An error body as an object; a proxy's HTML error page or an empty body as `{}`. */
function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
