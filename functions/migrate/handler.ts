import { fileURLToPath } from 'node:url';
import { loadConfig, schemas } from '@app/config';
import { resolveSecrets } from '@app/config/secrets';
import { ensureAppRole, runMigrations } from '@app/db/migrate';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/**
 * CloudFormation custom resource (via the CDK Provider framework): applies the committed migrations
 * on every deploy, before the functions that need the new schema are updated. The bundle carries
 * `migrations/` next to this file. Deleting the stack leaves the database alone.
 */
export const handler = async (event: CloudFormationCustomResourceEvent) => {
  const physicalId =
    'RequestType' in event && event.RequestType !== 'Create' ? event.PhysicalResourceId : 'schema';
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalId };
  await resolveSecrets();
  const { DATABASE_URL } = loadConfig({ DATABASE_URL: schemas.DATABASE_URL });
  const folder = process.env.MIGRATIONS_FOLDER ?? fileURLToPath(new URL('./migrations', import.meta.url));
  await runMigrations(DATABASE_URL, folder);
  const { APP_DATABASE_USER: user, APP_DATABASE_PASSWORD: password } = process.env;
  if (user && password) await ensureAppRole(DATABASE_URL, { user, password });
  return { PhysicalResourceId: physicalId };
};
