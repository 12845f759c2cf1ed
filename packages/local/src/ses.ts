import type { AddressInfo } from 'node:net';
import sesLocal from 'aws-ses-v2-local';

// A CommonJS module: under Node's ESM loader its `exports.default` arrives one level down.
const startSesServer: typeof sesLocal =
  typeof sesLocal === 'function' ? sesLocal : (sesLocal as unknown as { default: typeof sesLocal }).default;

export type LocalSes = {
  /** SES v2 endpoint to give the SDK (SES_ENDPOINT). */
  endpoint: string;
  /** The mail viewer (a web page listing every message sent). */
  viewerUrl: string;
  /** Every message sent so far, as aws-ses-v2-local's GET /store returns them. */
  emails: () => Promise<LocalEmail[]>;
  stop: () => Promise<void>;
};

export type LocalEmail = {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  at: number;
};

/** A local SES v2 endpoint (aws-ses-v2-local, over real HTTP) that keeps what it is sent. */
export async function startLocalSes(options: { port?: number } = {}): Promise<LocalSes> {
  const server = await startSesServer({ host: '127.0.0.1', port: options.port ?? 0 });
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    viewerUrl: `${endpoint}/`,
    emails: async () =>
      ((await (await fetch(`${endpoint}/store`)).json()) as { emails: LocalEmail[] }).emails,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
