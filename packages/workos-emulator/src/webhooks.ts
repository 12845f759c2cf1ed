import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from './clock';
import { notFound, unprocessable } from './errors';
import { newId } from './ids';
import type { EventJson, WebhookEndpointJson } from './types';

/**
 * The `WorkOS-Signature` header value for a raw body, as WorkOS computes it:
 * `t=<unix ms>, v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 */
export function signWebhook(body: string, secret: string, timestampMs: number = Date.now()): string {
  const v1 = createHmac('sha256', secret).update(`${timestampMs}.${body}`).digest('hex');
  return `t=${timestampMs}, v1=${v1}`;
}

export type WebhookEndpointInput = { endpointUrl: string; secret?: string; events?: string[] };

export type DeliveryRecord = {
  eventId: string;
  event: string;
  endpointId: string;
  endpointUrl: string;
  attempt: number;
  /** HTTP status, or null when the request failed (refused, timed out). */
  status: number | null;
  ok: boolean;
  error?: string;
  at: string;
};

export type WebhookRetryOptions = {
  /** Attempts per delivery, the first one included. Default 6 (like WorkOS). */
  attempts?: number;
  /** Delay before the 2nd attempt; doubles each time. Default 1000 ms. */
  baseDelayMs?: number;
  /** Per-attempt timeout. Default 5000 ms. */
  timeoutMs?: number;
};

type Job = { event: EventJson; body: string; endpoint: WebhookEndpointJson; attempt: number };

/**
 * Registered endpoints and the delivery queue. Deliveries go out one at a time, in event order,
 * unless a test asks otherwise (hold/release, delay, duplicate, pause). A failed delivery is
 * retried with exponential backoff, up to `attempts` times, without blocking the others.
 */
export function createWebhooks(options: { clock: Clock; retry?: WebhookRetryOptions }) {
  const attempts = options.retry?.attempts ?? 6;
  const baseDelayMs = options.retry?.baseDelayMs ?? 1000;
  const timeoutMs = options.retry?.timeoutMs ?? 5000;
  const iso = () => new Date(options.clock.now()).toISOString();

  const endpoints = new Map<string, WebhookEndpointJson>();
  const deliveries: DeliveryRecord[] = [];
  const queue: Job[] = [];
  const held: Job[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<AbortController>();
  const waiters: (() => void)[] = [];
  let paused = false;
  let running = false;
  let stopped = false;
  let duplicateBudget = 0;
  let holdBudget = 0;
  const delays: number[] = [];

  function checkEndpointInput(input: Partial<WebhookEndpointInput>) {
    if (input.endpointUrl !== undefined) {
      let url: URL | undefined;
      try {
        url = new URL(input.endpointUrl);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        throw unprocessable('invalid_endpoint_url', 'endpoint_url must be an http(s) URL.', [
          { field: 'endpoint_url', code: 'invalid' },
        ]);
      }
    }
    if (input.events !== undefined && !Array.isArray(input.events)) {
      throw unprocessable('invalid_events', 'events must be a list of event names.', [
        { field: 'events', code: 'invalid' },
      ]);
    }
  }

  function createEndpoint(input: WebhookEndpointInput): WebhookEndpointJson {
    checkEndpointInput(input);
    if ([...endpoints.values()].some((e) => e.endpoint_url === input.endpointUrl)) {
      throw unprocessable('endpoint_already_exists', 'A webhook endpoint with this URL already exists.');
    }
    const now = iso();
    const endpoint: WebhookEndpointJson = {
      object: 'webhook_endpoint',
      id: newId('we'),
      endpoint_url: input.endpointUrl,
      secret: input.secret ?? randomBytes(24).toString('base64url'),
      status: 'enabled',
      events: [...(input.events ?? [])],
      created_at: now,
      updated_at: now,
    };
    endpoints.set(endpoint.id, endpoint);
    return { ...endpoint };
  }

  function requireEndpoint(id: string) {
    const endpoint = endpoints.get(id);
    if (!endpoint) throw notFound('Webhook endpoint', id);
    return endpoint;
  }

  function updateEndpoint(
    id: string,
    patch: { endpointUrl?: string; status?: 'enabled' | 'disabled'; events?: string[] },
  ): WebhookEndpointJson {
    const endpoint = requireEndpoint(id);
    checkEndpointInput(patch);
    if (patch.endpointUrl !== undefined) endpoint.endpoint_url = patch.endpointUrl;
    if (patch.status !== undefined) endpoint.status = patch.status;
    if (patch.events !== undefined) endpoint.events = [...patch.events];
    endpoint.updated_at = iso();
    return { ...endpoint };
  }

  function deleteEndpoint(id: string) {
    requireEndpoint(id);
    endpoints.delete(id);
  }

  function settle() {
    const idle = !running && timers.size === 0 && (paused || queue.length === 0);
    if (!idle) return;
    for (const resolve of waiters.splice(0)) resolve();
  }

  function later(ms: number, fn: () => void) {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
      settle();
    }, ms);
    timers.add(timer);
  }

  async function deliver(job: Job) {
    const { endpoint, event } = job;
    const base = {
      eventId: event.id,
      event: event.event,
      endpointId: endpoint.id,
      endpointUrl: endpoint.endpoint_url,
      attempt: job.attempt,
    };
    let record: DeliveryRecord;
    const abort = new AbortController();
    inFlight.add(abort);
    try {
      const response = await fetch(endpoint.endpoint_url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'WorkOS Webhooks (emulator)',
          'workos-signature': signWebhook(job.body, endpoint.secret),
        },
        body: job.body,
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]),
      });
      await response.arrayBuffer().catch(() => undefined);
      record = { ...base, status: response.status, ok: response.ok, at: iso() };
    } catch (error) {
      record = { ...base, status: null, ok: false, error: (error as Error).message, at: iso() };
    } finally {
      inFlight.delete(abort);
    }
    deliveries.push(record);
    if (!record.ok && job.attempt < attempts && !stopped) {
      later(baseDelayMs * 2 ** (job.attempt - 1), () => {
        queue.push({ ...job, attempt: job.attempt + 1 });
        void pump();
      });
    }
  }

  async function pump() {
    if (running || stopped) return;
    running = true;
    try {
      while (!paused && !stopped && queue.length > 0) {
        const job = queue.shift();
        if (job) await deliver(job);
      }
    } finally {
      running = false;
      settle();
    }
  }

  function enqueue(event: EventJson) {
    if (stopped) return;
    const body = JSON.stringify(event);
    const jobs = [...endpoints.values()]
      .filter((e) => e.status === 'enabled' && (e.events.length === 0 || e.events.includes(event.event)))
      .map((endpoint) => ({ event, body, endpoint, attempt: 1 }));
    if (jobs.length === 0) return;
    let copies = jobs;
    if (duplicateBudget > 0) {
      duplicateBudget--;
      copies = jobs.flatMap((job) => [job, { ...job }]);
    }
    if (holdBudget > 0) {
      holdBudget--;
      held.push(...copies);
      return;
    }
    const delay = delays.shift();
    if (delay !== undefined) {
      later(delay, () => {
        queue.push(...copies);
        void pump();
      });
      return;
    }
    queue.push(...copies);
    void pump();
  }

  const controls = {
    /** Stop sending; events keep queueing (and are still listed by GET /events). */
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      void pump();
      settle();
    },
    /** The next `n` events are each delivered twice (same id, same body). */
    duplicateNext(n = 1) {
      duplicateBudget += n;
    },
    /** The next `n` events are delivered `ms` later; events after them overtake them. */
    delayNext(ms: number, n = 1) {
      for (let i = 0; i < n; i++) delays.push(ms);
    },
    /** The next `n` events are held back until releaseHeld(). */
    holdNext(n = 1) {
      holdBudget += n;
    },
    /** Sends the held events, newest first by default (out of order). */
    releaseHeld(order: 'reverse' | 'fifo' = 'reverse') {
      const jobs = held.splice(0);
      queue.push(...(order === 'reverse' ? jobs.reverse() : jobs));
      void pump();
    },
    get paused() {
      return paused;
    },
    get heldCount() {
      return held.length;
    },
  };

  return {
    createEndpoint,
    updateEndpoint,
    deleteEndpoint,
    getEndpoint: (id: string) => ({ ...requireEndpoint(id) }),
    listEndpoints: () => [...endpoints.values()].map((e) => ({ ...e })),
    enqueue,
    controls,
    deliveries,
    /** Resolves once every delivery that can go out now was attempted, retries included. */
    flush(): Promise<void> {
      return new Promise((resolve) => {
        waiters.push(resolve);
        settle();
      });
    },
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const abort of inFlight) abort.abort();
      queue.length = 0;
      settle();
    },
  };
}

export type Webhooks = ReturnType<typeof createWebhooks>;
