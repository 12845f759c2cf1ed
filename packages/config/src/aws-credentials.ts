export type AwsCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/**
 * The function role's credentials, which Lambda puts in the environment. Throws, naming `purpose`,
 * when they are missing (a local run without AWS credentials).
 */
export function credentialsFromEnv(purpose: string): AwsCredentials {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = process.env;
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY) {
    throw new Error(
      `${purpose} needs AWS credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) in the environment`,
    );
  }
  return {
    accessKeyId: AWS_ACCESS_KEY_ID,
    secretAccessKey: AWS_SECRET_ACCESS_KEY,
    ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
  };
}
