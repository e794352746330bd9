import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../harness/databases.ts';
import { FLAGS_DIR, readDefinitions } from '../../src/routing/flagFiles.ts';
import { type BudgetedGateway, startBudgetedGateway } from '../support/budgetedGateway.ts';
import { type CapturedLogs, captureLogs, LEVEL } from '../support/capturedLogs.ts';

const postgres = (await testEngines()).find((engine) => engine.name === 'postgres');
const DISCONNECTED = 'client disconnected before its answer was sent';

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

function post(body: string, declaredLength: number, headers: Record<string, string> = {}) {
  const lines = [
    'POST /graphql HTTP/1.1',
    'Host: 127.0.0.1',
    'Content-Type: application/json',
    `Content-Length: ${declaredLength}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

describe.runIf(postgres !== undefined)('clients that hang up', () => {
  let served: BudgetedGateway;
  let logs: CapturedLogs;
  beforeAll(async () => {
    logs = captureLogs('debug');
    served = await startBudgetedGateway(postgres as TestEngine, {
      flags: await readDefinitions(`${FLAGS_DIR}/definitions.json`),
      logger: logs.logger,
    });
  });
  afterAll(() => served?.close());

  it('logs a client that hangs up while sending its body at debug, with no error line', async () => {
    const socket = await openSocket(served.gateway.port);
    const body = JSON.stringify({ query: '{ commitmentTypes { name } }' });
    socket.write(post(body.slice(0, 10), body.length));
    await new Promise((resolve) => socket.write('', resolve));
    const before = logs.lines.length;
    socket.destroy();
    const line = await logs.waitFor((candidate) => candidate.msg === DISCONNECTED);
    expect(line).toMatchObject({ level: LEVEL.debug, url: '/graphql' });
    expect(logs.lines.slice(before).filter((entry) => entry.level >= LEVEL.error)).toEqual([]);
  });

  it('logs a client that hangs up while its operation runs at debug, with no error line', async () => {
    const token = await served.tokenFor('bob');
    let release = () => {};
    const locked = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = () => {};
    const holding = new Promise<void>((resolve) => {
      held = resolve;
    });
    // Bob's commitments wait behind this lock until the client has gone.
    const lock = served.fixture.legacy.transaction(async (tx) => {
      await tx.query('lock table public.commitments in access exclusive mode');
      held();
      await locked;
    });
    await holding;
    const before = logs.lines.length;
    const body = JSON.stringify({ query: '{ commitments(first: 3) { edges { node { title } } } }' });
    const socket = await openSocket(served.gateway.port);
    socket.write(post(body, Buffer.byteLength(body), { Authorization: `Bearer ${token}` }));
    const blocked = async () =>
      (
        await served.fixture.legacy.query(
          `select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%public.commitments%'`,
        )
      ).length > 0;
    const deadline = performance.now() + 10_000;
    while (!(await blocked())) {
      if (performance.now() > deadline) throw new Error('the operation never reached the database');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The client hangs up, and the lock goes only once the gateway has closed its side:
    // an answer ready before the gateway saw the hang-up would be sent, not missed.
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.end();
    await closed;
    release();
    await lock;
    await logs.waitFor((line) => line.msg === DISCONNECTED && logs.lines.indexOf(line) >= before);
    expect(logs.lines.slice(before).filter((entry) => entry.level >= LEVEL.error)).toEqual([]);
  });
});
