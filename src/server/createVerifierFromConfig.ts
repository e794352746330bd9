import type { AuthConfig } from '../config.ts';
import { embeddedJwtSecret } from '../embedded/embeddedJwtSecret.ts';
import { type BearerVerifier, createBearerVerifier } from './verifyBearer.ts';

/** Builds the bearer verifier the configuration describes. */
export async function createVerifierFromConfig(auth: AuthConfig): Promise<BearerVerifier> {
  switch (auth.kind) {
    case 'embedded':
      return createBearerVerifier({ kind: 'secret', secret: await embeddedJwtSecret(auth.dataDir) });
    case 'secret':
      return createBearerVerifier({ kind: 'secret', secret: auth.secret });
    case 'jwks':
      return createBearerVerifier({ kind: 'jwks', url: auth.url });
  }
}
