import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../../core/database.ts';
import type { Logger } from '../../../core/logger.ts';
import { ledgerId } from '../appendTransaction.ts';
import { ionHashOfString } from '../ionValueHash.ts';
import { LedgerConflictError } from '../ledgerErrors.ts';
import { dot, type Hash, sameHash } from '../ledgerHash.ts';
import type { LedgerStatement } from '../ledgerTypes.ts';
import type { Ledger } from '../openLedger.ts';
import { StatementError } from './evaluateExpr.ts';
import { executeStatement } from './executeStatement.ts';
import { type IonTree, ionBinaryOf } from './ionTree.ts';
import { indexStatement } from './ledgerTables.ts';
import { parsePartiql } from './parsePartiql.ts';
import { PartiqlSyntaxError, UnsupportedStatementError } from './partiqlAst.ts';
import {
  type CommandName,
  type Page,
  QldbError,
  readCommand,
  type SendCommandRequest,
} from './qldbCommands.ts';
import { ReadConflictError } from './readSet.ts';
import { parametersOf } from './statementParameters.ts';
import { TransactionView } from './transactionView.ts';

/** How a QLDB session endpoint serves one ledger. */
export interface QldbSessionsOptions {
  /** The name clients pass to StartSession (QLDB's ledger name). */
  ledgerName: string;
  ledger: Ledger;
  /** Values per page of results. @default 200 */
  pageSize?: number;
  /** A transaction older than this expires, as in QLDB. @default 30 s */
  transactionTimeoutMs?: number;
  /** A session unused for this long ends. @default 15 min */
  sessionIdleMs?: number;
  /** Open sessions at most; one more is refused with LimitExceededException. @default 1500 */
  maxSessions?: number;
  now?: () => number;
  /** Where the sessions report what they cannot tell a client (an index that could not be made). */
  logger?: Logger;
}

interface OpenTransaction {
  id: string;
  startedAt: number;
  /** The commit digest so far: QLDB's hash chain over the statements sent and their parameters, refused ones too. */
  digest: Hash;
  /** The statements that ran so far, which its block's transaction info lists. */
  statements: LedgerStatement[];
  view: TransactionView;
  /** Results not yet fetched, by page token. */
  pages: Map<string, IonTree[]>;
}

interface Session {
  lastUsed: number;
  busy?: boolean;
  /** The id of the transaction the sweep ended for its age, to tell the client it expired. */
  expired?: string;
  transaction: OpenTransaction | null;
}

/** What the endpoint needs: one command in, its result out (or a QldbError). */
export interface QldbSessions {
  sendCommand(request: unknown): Promise<Record<string, unknown>>;
  /** Open sessions, for metrics and tests. */
  readonly size: number;
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** The QLDBSession API over `options.ledger`: sessions, transactions, statements, commits. */
export function createQldbSessions(options: QldbSessionsOptions): QldbSessions {
  const pageSize = options.pageSize ?? 200;
  const transactionTimeoutMs = options.transactionTimeoutMs ?? 30_000;
  const sessionIdleMs = options.sessionIdleMs ?? 15 * 60_000;
  const maxSessions = options.maxSessions ?? 1500;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, Session>();

  // The PostgreSQL indexes behind a committed CREATE INDEX. The commit stands whatever
  // happens here: a failure is logged, and reads of the field scan the table instead.
  async function createIndexes(indexes: ReadonlyArray<{ table: string; field: string }>) {
    for (const { table, field } of indexes) {
      try {
        await options.ledger.db.exec(indexStatement(table, field));
      } catch (error) {
        options.logger?.warn(
          { err: error, table, field },
          'QLDB endpoint could not create the index of a CREATE INDEX',
        );
      }
    }
  }

  // Ends idle sessions and drops expired transactions (and the pages they hold).
  let lastSweep = now();
  function sweep() {
    lastSweep = now();
    const oldest = now() - sessionIdleMs;
    for (const [token, session] of sessions) {
      if (session.lastUsed < oldest) sessions.delete(token);
      else if (session.transaction !== null && session.transaction.startedAt < now() - transactionTimeoutMs) {
        session.expired = session.transaction.id;
        session.transaction = null;
      }
    }
  }

  function sessionOf(request: SendCommandRequest): Session {
    const session = request.SessionToken === undefined ? undefined : sessions.get(request.SessionToken);
    if (session === undefined || session.lastUsed < now() - sessionIdleMs)
      throw new QldbError('InvalidSessionException', 'Session token is not valid or the session has ended.');
    session.lastUsed = now();
    return session;
  }

  function transactionOf(session: Session, id: string | undefined): OpenTransaction {
    const transaction = session.transaction;
    if (transaction === null && id !== undefined && session.expired === id)
      throw new QldbError('InvalidSessionException', `Transaction ${id} has expired`, 'Expired');
    if (transaction === null || transaction.id !== id)
      throw new QldbError(
        'InvalidSessionException',
        `Transaction ${id ?? '(none)'} is not open in this session.`,
      );
    if (transaction.startedAt < now() - transactionTimeoutMs) {
      session.transaction = null;
      throw new QldbError('InvalidSessionException', `Transaction ${transaction.id} has expired`, 'Expired');
    }
    return transaction;
  }

  function pageOf(transaction: OpenTransaction, values: IonTree[]): Page {
    const first = values.slice(0, pageSize);
    const page: Page = { Values: first.map((value) => ({ IonBinary: base64(ionBinaryOf(value)) })) };
    if (values.length > pageSize) {
      const token = randomBytes(12).toString('base64url');
      transaction.pages.set(token, values.slice(pageSize));
      page.NextPageToken = token;
    }
    return page;
  }

  async function execute(
    transaction: OpenTransaction,
    command: NonNullable<SendCommandRequest['ExecuteStatement']>,
  ) {
    const text = command.Statement ?? '';
    const startTime = new Date(now());
    // Parameters that are not Ion are refused before they count: the driver sends only Ion it wrote.
    const parameters = parametersOf(command.Parameters);
    // As QLDB: the statement's hash, dotted with each parameter's, joins the chain. The
    // QLDB driver adds it before it sends the statement and keeps it whatever the answer,
    // so a statement refused here (one the application catches) counts too.
    const statementHash = parameters.reduce(
      (hash, parameter) => dot(hash, parameter.hash),
      ionHashOfString(text),
    );
    transaction.digest = dot(transaction.digest, statementHash);
    let statement: ReturnType<typeof parsePartiql>;
    try {
      statement = parsePartiql(text);
    } catch (error) {
      if (error instanceof PartiqlSyntaxError || error instanceof UnsupportedStatementError)
        throw new QldbError('BadRequestException', error.message);
      throw error;
    }
    transaction.view.beginStatement(transaction.statements.length);
    const values = await executeStatement(
      transaction.view,
      statement,
      parameters.map((parameter) => parameter.value),
    ).catch((error: unknown) => {
      throw error instanceof StatementError ? new QldbError('BadRequestException', error.message) : error;
    });
    // The block lists the statements that ran.
    transaction.statements.push({ statement: text, startTime, digest: statementHash });
    return { FirstPage: pageOf(transaction, values) };
  }

  async function commit(session: Session, command: NonNullable<SendCommandRequest['CommitTransaction']>) {
    const transaction = transactionOf(session, command.TransactionId);
    session.transaction = null;
    const sent = Buffer.from(command.CommitDigest ?? '', 'base64');
    if (!sameHash(new Uint8Array(sent), transaction.digest))
      throw new QldbError(
        'BadRequestException',
        `Transaction ${transaction.id}'s commit digest does not match the statements it ran.`,
      );
    const writes = transaction.view.ledgerWrites();
    try {
      // The block is the session's transaction: its id, and the statements it ran.
      const { id: transactionId, statements } = transaction;
      // Inside the append, after the strand lock: what the transaction read must be unchanged.
      const unchanged = (tx: Queryable) => transaction.view.reads.check(tx, transactionId);
      if (writes.length > 0) await options.ledger.write(writes, unchanged, { transactionId, statements });
      // A read-only transaction appends nothing, so it takes no lock: it saw the journal as
      // of the tip it first read when no commit since then changed what it read.
      else await unchanged(options.ledger.db);
    } catch (error) {
      if (error instanceof LedgerConflictError || error instanceof ReadConflictError)
        throw new QldbError(
          'OccConflictException',
          `Optimistic concurrency control (OCC) failure encountered while committing the transaction ${transaction.id}: ${error.message}`,
        );
      throw error;
    }
    await createIndexes(transaction.view.newIndexes);
    return {
      TransactionId: transaction.id,
      CommitDigest: base64(transaction.digest),
      ConsumedIOs: { ReadIOs: 0, WriteIOs: writes.length },
    };
  }

  async function run(command: CommandName, request: SendCommandRequest): Promise<Record<string, unknown>> {
    if (now() - lastSweep > 1000) sweep();
    if (command === 'StartSession') {
      if (request.StartSession?.LedgerName !== options.ledgerName)
        throw new QldbError(
          'BadRequestException',
          `No ledger named '${request.StartSession?.LedgerName ?? ''}' is served here.`,
        );
      sweep();
      if (sessions.size >= maxSessions)
        throw new QldbError(
          'LimitExceededException',
          `This ledger has ${maxSessions} open sessions, the most it serves.`,
        );
      const token = randomBytes(24).toString('base64url');
      sessions.set(token, { lastUsed: now(), transaction: null });
      return { SessionToken: token };
    }
    const session = sessionOf(request);
    // A session runs one command at a time, as QLDB's do (the driver never overlaps them).
    if (session.busy)
      throw new QldbError('BadRequestException', 'The session is still running another command.');
    session.busy = true;
    try {
      return await runInSession(session, command, request);
    } finally {
      session.busy = false;
    }
  }

  async function runInSession(session: Session, command: CommandName, request: SendCommandRequest) {
    switch (command) {
      case 'StartTransaction': {
        const id = ledgerId();
        session.transaction = {
          id,
          startedAt: now(),
          digest: ionHashOfString(id),
          statements: [],
          view: new TransactionView(options.ledger.db),
          pages: new Map(),
        };
        return { TransactionId: id };
      }
      case 'ExecuteStatement': {
        const transaction = transactionOf(session, request.ExecuteStatement?.TransactionId);
        return execute(transaction, request.ExecuteStatement ?? {});
      }
      case 'FetchPage': {
        const transaction = transactionOf(session, request.FetchPage?.TransactionId);
        const token = request.FetchPage?.NextPageToken ?? '';
        const rest = transaction.pages.get(token);
        if (rest === undefined) throw new QldbError('BadRequestException', `No page has the token ${token}.`);
        transaction.pages.delete(token);
        return { Page: pageOf(transaction, rest) };
      }
      case 'CommitTransaction':
        return commit(session, request.CommitTransaction ?? {});
      case 'AbortTransaction':
        session.transaction = null;
        return {};
      case 'EndSession':
        sessions.delete(request.SessionToken ?? '');
        return {};
      default:
        throw new QldbError('BadRequestException', `${command} needs no session.`);
    }
  }

  return {
    async sendCommand(request) {
      const started = performance.now();
      const { name: command, request: read } = readCommand(request);
      const result = await run(command, read);
      const timing = { ProcessingTimeMilliseconds: Math.round(performance.now() - started) };
      return { [command]: { ...result, TimingInformation: timing } };
    },
    get size() {
      return sessions.size;
    },
  };
}
