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
 * The three ways the remote target store calls a service. Each answers completely or
 * throws a catalogue error (remoteTargetError): a port method has no use for half an
 * answer. `decode` turns the answer's value into the port's records; an answer it
 * cannot decode (a field missing, a null where the contract has none) is the
 * service's failure, as an answer off the contract.
 */
export interface RemoteCalls {
  /** One read operation as `viewer`; resolves with its `field`, decoded. */
  read<R, T>(
    service: TargetServiceName,
    document: DocumentNode,
    field: string,
    variables: object,
    viewer: Viewer,
    decode: (value: R) => T,
  ): Promise<T>;
  /**
   * A `...ByIds` entry point's results for `ids`, each decoded, sent in calls of at most
   * 1000 keys; ids that are not UUIDs name nothing and are not sent.
   */
  byKeys<R, T>(
    service: TargetServiceName,
    document: DocumentNode,
    field: string,
    viewer: Viewer,
    ids: readonly string[],
    decode: (item: R) => T,
  ): Promise<T[]>;
  /**
   * One ledger mutation as `viewer`, alone in its HTTP request and carrying the write
   * intent of its async context; resolves with its `field`, decoded.
   */
  write<R, T>(
    field: string,
    document: DocumentNode,
    variables: object,
    viewer: Viewer,
    decode: (value: R) => T,
  ): Promise<T>;
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
// callbacks already due in this turn of the event loop. No cache either: the batching
// executor lives as long as its context, and a call is never answered from an earlier one.
const ONE_MACROTASK = { batchScheduleFn: (send: () => void) => void setImmediate(send), cache: false };

// What getBatchingExecutor takes and gives: the HTTP executor's more general type.
type Executor = Parameters<typeof getBatchingExecutor>[1];

type Answer = { data?: Record<string, unknown> | null; errors?: readonly GraphQLError[] };

// The HTTP executor answers most failures as errors; what it throws, or what the batching
// executor rejects with, is one too.
async function answerOf(
  executor: Executor,
  document: DocumentNode,
  variables: object,
  context: RemoteCallContext,
): Promise<Answer> {
  let result: unknown;
  try {
    result = await executor({ document, variables: variables as Record<string, unknown>, context });
  } catch (error) {
    result = error instanceof Error ? error : new Error(String(error));
  }
  if (result instanceof Error)
    return { errors: [new GraphQLError(result.message, { originalError: result })] };
  if (typeof result !== 'object' || result === null || Symbol.asyncIterator in result)
    return { errors: [new GraphQLError('The service answered with a stream, or nothing.')] };
  return result as Answer;
}

/**
 * Creates the calls over each service's HTTP executor. Every operation names one service
 * (references to the other service's objects are selected by id only), so it goes to that
 * service as it is, through `@graphql-tools/batch-execute`, the batching that stitched
 * subschemas use (`batch: true`): the calls one viewer object makes in one macrotask are
 * merged into one document, so the reads a request's loaders make in one turn reach each
 * service as one HTTP request. A write is sent alone, unbatched.
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

  // Told to the backend failure log, as a database tells its own failures: the log gets
  // the service's own message (or the network's), the client figway's.
  function report(service: TargetServiceName, failure: RemoteTargetFailure, error: GraphQLError) {
    if (failure.report?.kind === 'timedOut') events[service]?.timedOut();
    else if (failure.report?.kind === 'failed') {
      const cause = Object.assign(new Error(error.message), { code: failure.report.code });
      events[service]?.backendFailed(cause, failure.report.reached ? 'statement' : 'connect');
    }
  }

  // `sent`: the call left for the service (it may have reached it), so a write may have been made.
  function fail(service: TargetServiceName, error: GraphQLError, write: boolean, sent = true): never {
    const failure = remoteTargetError(service, error, { write, sent });
    report(service, failure, error);
    throw failure.error;
  }

  // A value the port cannot use: the service answered, but not as its contract says.
  function decoded<R, T>(
    service: TargetServiceName,
    field: string,
    value: unknown,
    decode: (value: R) => T,
    write: boolean,
  ): T {
    try {
      if (value === undefined) throw new Error(`${field} is missing`);
      return decode(value as R);
    } catch (error) {
      const problem = `The ${service} service's ${field} did not fit its contract: ${error instanceof Error ? error.message : String(error)}`;
      return fail(service, new GraphQLError(problem, { extensions: { code: 'OFF_CONTRACT' } }), write);
    }
  }

  async function run(
    service: TargetServiceName,
    document: DocumentNode,
    variables: object,
    context: RemoteCallContext,
    write: boolean,
  ): Promise<Record<string, unknown>> {
    // A spent budget is the request's timeout, told to the failure log as a database's is;
    // nothing was sent, so nothing was written.
    if (currentRequestBudget()?.spent())
      fail(service, new GraphQLError('The time budget ran out.'), write, false);
    const executor = write
      ? executors[service]
      : getBatchingExecutor(context, executors[service], ONE_MACROTASK);
    let answer = await answerOf(executor, document, variables, context);
    // A call merged with others whose non-null root field failed gets a null answer
    // without an error of its own (the failure nulls the whole document): it is asked
    // again, alone, so that one call's failure is never another's.
    if (!write && answer.errors === undefined && (answer.data === null || answer.data === undefined))
      answer = await answerOf(executors[service], document, variables, context);
    const [first] = answer.errors ?? [];
    if (first === undefined && answer.data !== null && answer.data !== undefined) return answer.data;
    return fail(service, first ?? new GraphQLError('The answer held no data.'), write);
  }

  return {
    read: async (service, document, field, variables, viewer, decode) =>
      decoded(
        service,
        field,
        (await run(service, document, variables, readContext(viewer), false))[field],
        decode,
        false,
      ),
    async byKeys(service, document, field, viewer, ids, decode) {
      const wanted = ids.filter(isUuid);
      const chunks: string[][] = [];
      for (let start = 0; start < wanted.length; start += MAX_KEYS)
        chunks.push(wanted.slice(start, start + MAX_KEYS));
      const context = readContext(viewer);
      const answers = await Promise.all(chunks.map((ids) => run(service, document, { ids }, context, false)));
      return answers.flatMap((answer) =>
        decoded(
          service,
          field,
          answer[field],
          (items: unknown) => {
            if (!Array.isArray(items)) throw new Error('not a list');
            return items.map((item: unknown) => {
              if (typeof item !== 'object' || item === null) throw new Error('an item that is not an object');
              return decode(item as Parameters<typeof decode>[0]);
            });
          },
          false,
        ),
      );
    },
    async write(field, document, variables, viewer, decode) {
      const context = { authorization: authorizationOf(viewer), writeIntent: currentWriteIntent() ?? null };
      return decoded(
        'ledger',
        field,
        (await run('ledger', document, variables, context, true))[field],
        decode,
        true,
      );
    },
  };
}
