// The embedded PostgreSQL package installs SIGINT/SIGTERM hooks on import that stop the database and
// exit at once, under the worker's feet. Drop just those (listeners installed before, such as a
// runner's, stay) so everything stops in order below: worker, servers, then the database.
const signals = ['SIGINT', 'SIGTERM'] as const;
const existing = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
const { startLocalStack } = await import('./stack');
for (const signal of signals) {
  for (const listener of process.listeners(signal)) {
    if (!existing.get(signal)?.has(listener)) process.off(signal, listener);
  }
}

const started = performance.now();
// LOCAL_DATA_DIR (with PORT and WORKOS_EMULATOR_PORT) lets a second copy, or a test, run beside the usual one.
const stack = await startLocalStack({
  log: (line) => console.log(`  ${line}`),
  ...(process.env.LOCAL_DATA_DIR ? { dataDir: process.env.LOCAL_DATA_DIR } : {}),
  // --bundles (or LOCAL_BUNDLES=1): every function from the bundles the CDK app builds.
  bundles: process.argv.slice(2).includes('--bundles') || process.env.LOCAL_BUNDLES === '1',
});
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`
  Local stack ready in ${seconds} s (functions from ${stack.functions === 'bundles' ? 'the CDK bundles' : 'source'})

  App            ${stack.url}/
  Sign in        ${stack.url}/auth/login
  Current user   ${stack.url}/me
${stack.ses ? `  Sent mail      ${stack.ses.viewerUrl}   (notification emails, as SES received them)\n` : ''}${stack.emulator ? `  WorkOS control ${stack.emulator.url}/_emulator   (rename a user, add a membership, delete an organization)\n` : ''}
  Ctrl-C stops everything.
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log('  stopping...');
  // Ctrl-C also reaches the embedded PostgreSQL (same process group), which shuts down at once; a
  // query still in flight then fails inside the driver. Expected while stopping: note it, go on.
  const expected = (error: unknown) =>
    console.log(`  (while stopping) ${error instanceof Error ? error.message : String(error)}`);
  process.on('uncaughtException', expected);
  process.on('unhandledRejection', expected);
  await stack.stop();
  process.exit(0);
};
for (const signal of signals) process.on(signal, shutdown);
