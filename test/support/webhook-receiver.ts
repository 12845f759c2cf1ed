import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Received = { body: string; signature: string | undefined; eventId: string; event: string };

/** A tiny webhook endpoint: records raw bodies and signatures; can answer errors first. */
export async function startReceiver() {
  const received: Received[] = [];
  let failuresLeft = 0;
  let failureStatus = 500;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(failureStatus).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const parsed = JSON.parse(body) as { id: string; event: string };
      const signature = req.headers['workos-signature'];
      received.push({
        body,
        signature: Array.isArray(signature) ? signature[0] : signature,
        eventId: parsed.id,
        event: parsed.event,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/workos`,
    received,
    failNext(times: number, status = 500) {
      failuresLeft = times;
      failureStatus = status;
    },
    clear() {
      received.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
