import { type AuthConfig, requireJwtIssuer } from '../config.ts';
import type { Logger } from '../core/logger.ts';
import { embeddedJwtSecret } from '../embedded/embeddedJwtSecret.ts';
import { createSigningKeysOutageLog } from './signingKeysOutageLog.ts';
import { type BearerVerifier, createBearerVerifier, type TokenClaimRules } from './verifyBearer.ts';

/**
 * Builds the bearer verifier the configuration describes, checking `aud` and `iss`
 * as configured; throws ConfigError when the issuer is unknown. An outage of the JWKS is
 * logged to `logger`, rate limited (createSigningKeysOutageLog).
 */
export async function createVerifierFromConfig(auth: AuthConfig, logger: Logger): Promise<BearerVerifier> {
  const rules: TokenClaimRules = { audience: auth.audience, issuer: requireJwtIssuer(auth) };
  switch (auth.kind) {
    case 'embedded':
      return createBearerVerifier({ kind: 'secret', secret: await embeddedJwtSecret(auth.dataDir) }, rules);
    case 'secret':
      return createBearerVerifier({ kind: 'secret', secret: auth.secret }, rules);
    case 'jwks':
      return createBearerVerifier({ kind: 'jwks', url: auth.url }, rules, {
        keysOutage: createSigningKeysOutageLog({ logger, url: auth.url }),
      });
  }
}
