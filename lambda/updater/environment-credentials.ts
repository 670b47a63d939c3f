/**
 * Stands in for `@aws-sdk/credential-provider-node` in the updater's bundle (an esbuild alias in .projenrc.ts).
 *
 * Lambda always hands a function its role's credentials in the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: Lambda developer guide, "Defined runtime environment variables").
 * The SDK's default chain would also try SSO, profiles, web identity, processes and the instance metadata
 * service, and bundles the clients those need: about a quarter of the bundle, loaded on every cold start
 * for credentials the environment already holds.
 */

/** What the SDK asks of a credential provider. */
export interface EnvironmentCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Same name and shape as the default chain's export, so the SDK clients' runtime config uses it unchanged. */
export function defaultProvider(): () => Promise<EnvironmentCredentials> {
  return async () => {
    const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: the updater reads its credentials from the environment, as Lambda sets them');
    }
    const expiration = process.env.AWS_CREDENTIAL_EXPIRATION;
    return {
      accessKeyId,
      secretAccessKey,
      sessionToken: process.env.AWS_SESSION_TOKEN || undefined,
      expiration: expiration ? new Date(expiration) : undefined,
    };
  };
}
