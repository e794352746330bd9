import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GraphQLError } from 'graphql';
import { jwtVerify } from 'jose';
import { BARE_TYPE_DEFS, type BareContext, bareResolvers, createBareContext } from './bareApolloSchema.ts';
import { openLegacyReads } from './bareLegacyReads.ts';

// The bare peer of the peers benchmark, run as a child process of its own so that its
// CPU is read apart: Apollo Server with hand-written resolvers and DataLoader over the
// legacy database, doing per request what figway's legacy path does (verify the
// Supabase JWT, read as the caller under row-level security) and nothing else: no
// routing, no flags, no shadow reads, no query limits. Configured by the environment
// figway reads (SUPABASE_DB_URL, SUPABASE_JWT_SECRET, SUPABASE_JWT_ISSUER), plus
// BARE_SCHEMA_VERSION, the label figway's answers carry, so that both answer the same
// bytes. Writes one JSON line with its URL once it listens; stops on SIGTERM.

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`the bare peer needs ${name}`);
  return value;
}

const secret = new TextEncoder().encode(required('SUPABASE_JWT_SECRET'));
const issuer = required('SUPABASE_JWT_ISSUER');
const schemaVersion = required('BARE_SCHEMA_VERSION');
const reads = openLegacyReads(required('SUPABASE_DB_URL'), 10_000);

function unauthenticated(reason: string): GraphQLError {
  return new GraphQLError(`Invalid bearer token: ${reason}.`, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });
}

// A signed-in user's token, checked as figway checks one: HS256, an expiry, the issuer
// and audience Supabase Auth sets, role `authenticated`, a sub.
async function claimsOf(authorization: string | undefined): Promise<Record<string, unknown>> {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
  if (token === undefined) throw unauthenticated('expected "Authorization: Bearer <jwt>"');
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ['HS256'],
      issuer,
      audience: 'authenticated',
      requiredClaims: ['exp', 'sub'],
    });
    if (payload.role !== 'authenticated') throw unauthenticated('the role claim must be authenticated');
    return { ...payload };
  } catch (error) {
    if (error instanceof GraphQLError) throw error;
    throw unauthenticated(error instanceof Error ? error.message : String(error));
  }
}

// figway's answers carry its schema version in extensions.figway; the peer's carry the same.
const schemaVersionPlugin: ApolloServerPlugin<BareContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        result.extensions = { ...result.extensions, figway: { schemaVersion } };
      },
    };
  },
};

const server = new ApolloServer<BareContext>({
  typeDefs: BARE_TYPE_DEFS,
  resolvers: bareResolvers,
  plugins: [schemaVersionPlugin],
  // SIGTERM is handled below, to close the pool as well.
  stopOnTerminationSignals: false,
});

const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: 0 },
  context: async ({ req }) => createBareContext(reads.asCaller(await claimsOf(req.headers.authorization))),
});
process.stdout.write(`${JSON.stringify({ msg: 'bare peer is listening', url })}\n`);

process.once('SIGTERM', () => {
  void server
    .stop()
    .then(() => reads.close())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`bare peer: stopping failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
});
