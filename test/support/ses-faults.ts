import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SesFault = { status: number; type: string; message: string };

/**
 * An HTTP proxy in front of the local SES that answers some SendEmail calls with the error SES
 * itself would send (status, `x-amzn-ErrorType` header, JSON message) and forwards the rest. Faults
 * are faked at the wire, so the SDK's own error parsing decides what the notifier sees.
 */
export async function startSesFaults(
  target: string,
  faultFor: (recipients: string[]) => SesFault | undefined,
) {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    let recipients: string[] = [];
    try {
      recipients =
        (JSON.parse(body.toString('utf8')) as { Destination?: { ToAddresses?: string[] } }).Destination
          ?.ToAddresses ?? [];
    } catch {
      // Not a JSON request: forwarded as is.
    }
    const fault = faultFor(recipients);
    if (fault) {
      res.writeHead(fault.status, { 'content-type': 'application/json', 'x-amzn-ErrorType': fault.type });
      res.end(JSON.stringify({ message: fault.message }));
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
    ) as Record<string, string>;
    const answer = await fetch(`${target}${req.url}`, {
      method: req.method ?? 'POST',
      headers,
      ...(body.length ? { body } : {}),
    });
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
    });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
