import { describe, expect, it } from 'vitest';
import { createBackendFailureLog } from '../../src/backends/backendFailureLog.ts';
import { isBackendFailure } from '../../src/core/database.ts';
import { ErrorCode, FigwayError } from '../../src/errors.ts';
import { captureLogs, LEVEL } from '../support/capturedLogs.ts';

function pgError(code: string, message: string) {
  return Object.assign(new Error(message), { code });
}

function setup() {
  const logs = captureLogs();
  let now = 0;
  const counted: string[] = [];
  const timeouts: string[] = [];
  const log = createBackendFailureLog({
    logger: logs.logger,
    intervalMs: 10_000,
    clock: () => now,
    countFailure: (backend, code) => counted.push(`${backend}:${code}`),
    countTimeout: (backend) => timeouts.push(backend),
  });
  const advance = (ms: number) => {
    now += ms;
  };
  return { logs, log, counted, timeouts, advance };
}

describe('createBackendFailureLog', () => {
  it('logs the cause of a backend failure at error level, with the backend and SQLSTATE', () => {
    const { logs, log } = setup();
    log.failed(
      'legacy',
      pgError('57P01', 'terminating connection due to administrator command'),
      'statement',
    );
    expect(logs.lines).toEqual([
      expect.objectContaining({
        level: LEVEL.error,
        backend: 'legacy',
        during: 'statement',
        code: '57P01',
        cause: 'terminating connection due to administrator command',
        suppressed: 0,
        msg: 'legacy backend failure',
      }),
    ]);
  });

  it('writes one line per backend per interval and says how many it left out', () => {
    const { logs, log, counted, advance } = setup();
    for (let i = 0; i < 5; i++)
      log.failed('ledger', new Error('Connection terminated unexpectedly'), 'statement');
    log.failed('oltp', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), 'connect');
    advance(9_999);
    log.failed('ledger', new Error('Connection terminated unexpectedly'), 'statement');
    expect(logs.lines.map((line) => [line.backend, line.suppressed])).toEqual([
      ['ledger', 0],
      ['oltp', 0],
    ]);
    advance(1);
    log.failed('ledger', pgError('57P01', 'terminating connection'), 'statement');
    expect(logs.lines.at(-1)).toMatchObject({ backend: 'ledger', code: '57P01', suppressed: 5 });
    // Every failure is counted, logged or not.
    expect(counted).toEqual([
      ...Array(5).fill('ledger:none'),
      'oltp:ECONNREFUSED',
      'ledger:none',
      'ledger:57P01',
    ]);
  });

  it('logs a lost idle connection as a warning: no request paid for it', () => {
    const { logs, log } = setup();
    log.eventsOf('observations').backendFailed(pgError('57P01', 'terminating connection'), 'idle');
    expect(logs.lines).toEqual([
      expect.objectContaining({ level: LEVEL.warn, backend: 'observations', during: 'idle' }),
    ]);
  });

  it('counts every statement cut by a time budget and logs them rate-limited', () => {
    const { logs, log, timeouts } = setup();
    const events = log.eventsOf('legacy');
    events.timedOut();
    events.timedOut();
    expect(timeouts).toEqual(['legacy', 'legacy']);
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toMatchObject({ level: LEVEL.warn, backend: 'legacy' });
  });
});

describe('isBackendFailure', () => {
  it('is true for connection loss, shutdowns, driver errors and missing objects', () => {
    for (const code of ['57P01', '08006', '53300', '3D000', '42P01', 'XX000', 'ECONNREFUSED']) {
      expect(isBackendFailure(pgError(code, code)), code).toBe(true);
    }
    expect(isBackendFailure(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it("is false for the caller's input, row-level security, conflicts and figway's own errors", () => {
    for (const code of ['23505', '23503', '22P02', '40001', '40P01', '42501', 'P0001']) {
      expect(isBackendFailure(pgError(code, code)), code).toBe(false);
    }
    expect(isBackendFailure(new FigwayError(ErrorCode.REQUEST_TIMEOUT, 'late'))).toBe(false);
  });
});
