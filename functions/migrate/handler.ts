import { fileURLToPath } from 'node:url';
import { loadConfig } from '@app/config';
import { resolveSecrets } from '@app/config/secrets';
import { ensureAppRole, migrationsDigest, runMigrations } from '@app/db/migrate';
import { createTelemetry } from '@app/telemetry';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { env } from './env';

/**
 * CloudFormation custom resource (via the CDK Provider framework): applies the committed migrations
 * on every deploy, before the functions that need the new schema are updated. The bundle carries
 * `migrations/` next to this file. Deleting the stack leaves the database alone.
 *
 * Rollback: when a deploy fails, CloudFormation calls this again with the OLD properties, while
 * this (new) bundle is still in place. Re-running its migrations then would fail the same way and
 * leave the stack in UPDATE_ROLLBACK_FAILED, and a schema cannot be un-applied anyway; so a request
 * for a digest that is not this bundle's own does nothing. Migrations are expand/contract (the old
 * code runs on the new schema, docs/deploy.md), which is what makes that safe.
 */
export const handler = async (event: CloudFormationCustomResourceEvent) => {
  const physicalId =
    'RequestType' in event && event.RequestType !== 'Create' ? event.PhysicalResourceId : 'schema';
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalId };
  const folder = process.env.MIGRATIONS_FOLDER ?? fileURLToPath(new URL('./migrations', import.meta.url));
  const requested = event.ResourceProperties.MigrationsDigest as string | undefined;
  if (requested !== undefined && requested !== migrationsDigest(folder)) {
    createTelemetry('migrate').logger.warn(
      'migrations not run: the requested digest is not this bundle’s (rollback)',
      {
        requested,
      },
    );
    return { PhysicalResourceId: physicalId };
  }
  await resolveSecrets();
  const { DATABASE_URL } = loadConfig(env);
  await runMigrations(DATABASE_URL, folder);
  const { APP_DATABASE_USER: user, APP_DATABASE_PASSWORD: password } = process.env;
  if (user && password) await ensureAppRole(DATABASE_URL, { user, password });
  return { PhysicalResourceId: physicalId };
};
