import { createTelemetry } from '@app/telemetry';
import type * as z from 'zod';
import { loadConfig, schemas } from './index';
import { notConfiguredSecrets, resolveSecrets, type SecretValueName } from './secrets';

const runtimeEnv = { LOG_LEVEL: schemas.LOG_LEVEL };

/**
 * The cold start every function shares: secrets from Secrets Manager into the environment (unless
 * `secrets: false`, for code run from a shell, where no Lambda extension serves them), the
 * variables the function names (plus LOG_LEVEL) validated once, then its logs and metrics.
 * No database or WorkOS code here: the webhook function imports this and runs outside the VPC.
 *
 * `notConfigured` lists the secret values that still hold the placeholder ops replace after the
 * first deploy: a function with any refuses to act (see refuseUntilConfigured in @app/http and
 * the sync functions), and says so here once per cold start.
 */
export async function loadRuntime<S extends Record<string, z.ZodType>>(
  service: string,
  env: S,
  options: { secrets?: boolean } = {},
) {
  if (options.secrets !== false) await resolveSecrets();
  const config = loadConfig({ ...env, ...runtimeEnv });
  // TypeScript cannot see through the generic shape: LOG_LEVEL is there, validated above.
  const { LOG_LEVEL } = config as z.output<z.ZodObject<typeof runtimeEnv>>;
  const { logger, metrics } = createTelemetry(service, LOG_LEVEL);
  const notConfigured: SecretValueName[] = notConfiguredSecrets(config as Record<string, unknown>);
  if (notConfigured.length > 0) {
    logger.warn('NOT_CONFIGURED: secrets still hold their placeholder; refusing to act until ops set them', {
      code: 'NOT_CONFIGURED',
      secrets: notConfigured,
      runbook: 'docs/first-deploy.md',
    });
  }
  return { config, logger, metrics, notConfigured };
}
