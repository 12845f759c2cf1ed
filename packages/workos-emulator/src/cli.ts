import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { demoSeed } from './seed';
import { startEmulator } from './server';
import type { EmulatorSeed } from './types';

const usage = `Usage: npm run emulator -- [--port 4100] [--host 127.0.0.1] [--seed FILE | --no-seed]
  [--api-key sk_test_default] [--client-id client_emulator] [--token-ttl 300]
  [--webhook URL --webhook-secret SECRET]`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4100' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string' },
    'no-seed': { type: 'boolean', default: false },
    'api-key': { type: 'string' },
    'client-id': { type: 'string' },
    'token-ttl': { type: 'string' },
    webhook: { type: 'string' },
    'webhook-secret': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(usage);
  process.exit(0);
}

function loadSeed(): EmulatorSeed | undefined {
  if (values['no-seed']) return undefined;
  if (!values.seed) return demoSeed;
  return JSON.parse(readFileSync(values.seed, 'utf8')) as EmulatorSeed;
}

const port = Number(values.port);
const ttl = values['token-ttl'] ? Number(values['token-ttl']) : undefined;
if (!Number.isInteger(port) || port < 0 || (ttl !== undefined && !(ttl > 0))) {
  console.error(usage);
  process.exit(2);
}
if (values.webhook && !values['webhook-secret']) {
  console.error('--webhook needs --webhook-secret');
  process.exit(2);
}

const emulator = await startEmulator({
  port,
  host: values.host,
  ...(values['api-key'] ? { apiKey: values['api-key'] } : {}),
  ...(values['client-id'] ? { clientId: values['client-id'] } : {}),
  ...(ttl ? { accessTokenTtlSeconds: ttl } : {}),
  seed: loadSeed(),
  ...(values.webhook
    ? { webhooks: [{ endpointUrl: values.webhook, secret: values['webhook-secret'] ?? '' }] }
    : {}),
});

console.log(`WorkOS emulator listening on ${emulator.url}
  WORKOS_API_HOSTNAME=${emulator.hostname} WORKOS_API_PORT=${emulator.port} WORKOS_API_HTTPS=false
  WORKOS_API_KEY=${emulator.apiKey}
  WORKOS_CLIENT_ID=${emulator.clientId}
  control page: ${emulator.url}/_emulator`);

const shutdown = () => {
  void emulator.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
