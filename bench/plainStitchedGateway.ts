import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import { SERVICE_KEY_HEADER } from '../src/core/serviceKeyHeader.ts';
import { stitchTargetServices } from './stitchTargetServices.ts';

// The plain stitched gateway of the remote benchmark, run as a child process of its own
// so that its CPU is read apart: Apollo Server 5 serving the stitched schema of the two
// target services as it is, with none of figway's routing, stages, shadow reads,
// resolvers, loaders or query limits. Its schema (stitchTargetServices: the contracts of
// schema/targets/, Profile and CommitmentType merged by id through the ...ByIds entry
// points, batch: true) runs over HTTP executors of its own that forward the caller's Authorization header as it came (the
// services verify it; this gateway does not) and the service key. Its clients query the
// contract's fields (`commitments { nodes }`, `commitmentsByIds`), not the public schema.
// Configured by LEDGER_SERVICE_URL, OLTP_SERVICE_URL, FIGWAY_SERVICE_KEY (optional) and
// STITCHED_DEDUPLICATE (`on` merges identical requests in flight, as the executor does
// by default; otherwise off, as figway has it). Writes one JSON line with its URL once it
// listens; stops on SIGTERM.

interface StitchedContext {
  authorization: string | null;
}

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`the plain stitched gateway needs ${name}`);
  return value;
}

const serviceKey = process.env.FIGWAY_SERVICE_KEY ?? '';
const deduplicate = process.env.STITCHED_DEDUPLICATE === 'on';

function executorOf(endpoint: string) {
  return buildHTTPExecutor({
    endpoint,
    deduplicateInflightRequests: deduplicate,
    headers: (request) => {
      const authorization = (request?.context as StitchedContext | undefined)?.authorization ?? null;
      return {
        ...(serviceKey === '' ? {} : { [SERVICE_KEY_HEADER]: serviceKey }),
        ...(authorization === null ? {} : { authorization }),
      };
    },
  });
}

const schema = await stitchTargetServices({
  ledger: executorOf(required('LEDGER_SERVICE_URL')),
  oltp: executorOf(required('OLTP_SERVICE_URL')),
});

const server = new ApolloServer<StitchedContext>({
  schema,
  // As figway has it: the plugin would wrap every field's resolver for cache hints nobody sets.
  plugins: [ApolloServerPluginCacheControlDisabled()],
  stopOnTerminationSignals: false,
});

const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: 0 },
  context: async ({ req }) => ({ authorization: req.headers.authorization ?? null }),
});
process.stdout.write(`${JSON.stringify({ msg: 'plain stitched gateway is listening', url, deduplicate })}\n`);

process.once('SIGTERM', () => {
  void server.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`plain stitched gateway: stopping failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
});
