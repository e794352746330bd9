import { getBatchingExecutor } from '@graphql-tools/batch-execute';
import { type DocumentNode, GraphQLError } from 'graphql';
import type { BackendEvents } from '../../core/database.ts';
import { currentWriteIntent } from '../../core/writeIntent.ts';
import { isUuid } from '../connectStore.ts';
import { currentRequestBudget } from '../requestBudget.ts';
import type { Viewer } from '../viewer.ts';
import { type RemoteTargetFailure, remoteTargetError } from './remoteTargetError.ts';
import type { RemoteCallContext, TargetServiceExecutor, TargetServiceName } from './targetServiceExecutor.ts';

// The contract's batch entry points answer for at most this many keys in one call.
const MAX_KEYS = 1000;

/**
 * The three ways the remote target store calls a service.
 * Each answers completely or throws a catalogue error (remoteTargetError): a port
 * method has no use for half an answer.
 */
export interface RemoteCalls {
  /** One read operation as `viewer`; resolves with its `data`. */
  read<T>(service: TargetServiceName, document: DocumentNode, variables: object, viewer: Viewer): Promise<T>;
  /**
   * A `...ByIds` entry point's results for `ids`, sent in calls of at most 1000 keys;
   * ids that are not UUIDs name nothing and are not sent.
   */
  byKeys<T>(
    service: TargetServiceName,
    document: DocumentNode,
    field: string,
    viewer: Viewer,
    ids: readonly string[],
  ): Promise<T[]>;
  /** One ledger mutation as `viewer`, carrying the write intent of its async context; resolves with `field`. */
  write<T>(field: string, document: DocumentNode, variables: object, viewer: Viewer): Promise<T>;
}

/** The `Authorization` header a viewer's calls carry: the caller's own bearer token, or none. */
export function authorizationOf(viewer: Viewer): string | null {
  return viewer.kind === 'anonymous' || viewer.token === '' ? null : `Bearer ${viewer.token}`;
}

// A service's batch is sent when the macrotask that made its first call is done
// (setImmediate), not at the next tick as DataLoader schedules by default: reads of one
// resolver level and the next that need no I/O in between (a page's commitment types, and
// the profiles of the parties read off the same page) then go as one HTTP request however
// many ticks apart the resolvers make them. No timer: the batch waits only for the
// callbacks already due in this turn of the event loop.
const ONE_MACROTASK = { batchScheduleFn: (send: () => void) => void setImmediate(send) };

/**
 * Creates the calls over each service's HTTP executor. Every operation names one service
 * (references to the other service's objects are selected by id only), so it goes to that
 * service as it is, through `@graphql-tools/batch-execute`, the batching that stitched
 * subschemas use (`batch: true`): the calls one viewer object makes in one macrotask are
 * merged into one document, so the reads a request's loaders make in one turn reach each
 * service as one HTTP request; a write gets a context, and so a request, of its own.
 */
export function createRemoteCalls(
  executors: Record<TargetServiceName, TargetServiceExecutor>,
  events: Partial<Record<TargetServiceName, BackendEvents>> = {},
): RemoteCalls {
  const readContexts = new WeakMap<Viewer, RemoteCallContext>();
  const readContext = (viewer: Viewer) => {
    let context = readContexts.get(viewer);
    if (context === undefined) {
      context = { authorization: authorizationOf(viewer), writeIntent: null };
      readContexts.set(viewer, context);
    }
    return context;
  };

  // Told to the backend failure log, as a database tells its own failures.
  function report(service: TargetServiceName, failure: RemoteTargetFailure) {
    if (failure.report?.kind === 'timedOut') events[service]?.timedOut();
    else if (failure.report?.kind === 'failed') {
      const cause = Object.assign(new Error(failure.error.message), { code: failure.report.code });
      events[service]?.backendFailed(cause, failure.report.reached ? 'statement' : 'connect');
    }
  }

  async function run<T>(
    service: TargetServiceName,
    document: DocumentNode,
    variables: object,
    context: RemoteCallContext,
    write: boolean,
  ): Promise<T> {
    currentRequestBudget()?.check();
    const executor = getBatchingExecutor(context, executors[service], ONE_MACROTASK);
    let result: Awaited<ReturnType<TargetServiceExecutor>>;
    try {
      result = await executor({ document, variables: variables as Record<string, unknown>, context });
    } catch (error) {
      // The HTTP executor answers most failures as errors; what it throws is one too.
      result = {
        errors: [
          new GraphQLError(error instanceof Error ? error.message : String(error), {
            originalError: error instanceof Error ? error : null,
          }),
        ],
      };
    }
    if (Symbol.asyncIterator in result)
      throw new Error(`the ${service} service answered a read with a stream`);
    const [first] = result.errors ?? [];
    if (first === undefined && result.data !== null && result.data !== undefined) return result.data as T;
    const failure = remoteTargetError(service, first ?? new GraphQLError('The answer held no data.'), {
      write,
    });
    report(service, failure);
    throw failure.error;
  }

  return {
    read: (service, document, variables, viewer) =>
      run(service, document, variables, readContext(viewer), false),
    async byKeys<T>(
      service: TargetServiceName,
      document: DocumentNode,
      field: string,
      viewer: Viewer,
      ids: readonly string[],
    ) {
      const wanted = ids.filter(isUuid);
      const chunks: string[][] = [];
      for (let start = 0; start < wanted.length; start += MAX_KEYS)
        chunks.push(wanted.slice(start, start + MAX_KEYS));
      const context = readContext(viewer);
      const answers = await Promise.all(
        chunks.map((ids) => run<Record<string, T[]>>(service, document, { ids }, context, false)),
      );
      return answers.flatMap((answer) => answer[field] ?? []);
    },
    async write<T>(field: string, document: DocumentNode, variables: object, viewer: Viewer) {
      const context = { authorization: authorizationOf(viewer), writeIntent: currentWriteIntent() ?? null };
      return (await run<Record<string, T>>('ledger', document, variables, context, true))[field] as T;
    },
  };
}
