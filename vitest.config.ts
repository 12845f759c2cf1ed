import { defineConfig } from 'vitest/config';

/**
 * Four tiers, each runnable alone (`npm test -- --project unit`): unit (no database, no network),
 * integration (real PostgreSQL, the SQS and WorkOS emulators over HTTP), e2e (the local stack and
 * Chromium) and infra (CDK synth, bundles). Only the tiers that need PostgreSQL start it.
 */
const database = ['test/support/global-setup.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets its own database, so files run in parallel safely.
    pool: 'forks',
    // Two files at a time even on 2 cores (vitest's default, CPUs - 1, runs one): most of a test's
    // time waits on PostgreSQL, the emulators and HTTP. Full suite on 2 cores: 315 s against 464 s.
    maxWorkers: 2,
    typecheck: { enabled: false },
    // Quiet logs and no EMF output during tests; tests assert on behaviour, not on log lines.
    env: { LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
    // The local stack's bundles (LOCAL_BUNDLES=1) load with Node's own loader, as Lambda loads
    // index.mjs, not through vitest's transform.
    server: { deps: { external: [/\/\.local\/bundles\//] } },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: database },
      },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: database } },
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'] } },
    ],
  },
});
