// One gateway routing Commitment.status by cohort: beta from the ledger, a live reload of the flags file, an admin's forced stage, stickiness per user.
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { dataField } from '../../harness/testGateway.ts';
import { LEVEL } from '../support/capturedLogs.ts';
import {
  flagsWith,
  gateway,
  logs,
  MISSING,
  routesOf,
  SHARED,
  STATUS,
  useRoutingGateway,
} from './routingGatewayFixture.ts';

useRoutingGateway();

describe('routing Commitment.status by cohort through the gateway', () => {
  it('serves alice (beta) from the ledger and bob (general) from legacy', async () => {
    const alice = await gateway.query(STATUS, { as: 'alice' });
    const bob = await gateway.query(STATUS, { as: 'bob' });
    expect(dataField(alice, 'commitment')).toEqual({ status: 'BREACHED' });
    expect(dataField(bob, 'commitment')).toEqual({ status: 'ACTIVE' });
    expect(routesOf(alice)).toEqual({
      'Query.commitment': { stage: 'legacy', backend: 'legacy' },
      'Commitment.status': { stage: 'live', backend: 'target' },
    });
    expect(routesOf(bob)?.['Commitment.status']).toEqual({ stage: 'legacy', backend: 'legacy' });
  });

  it('applies a change to the flags file within 2 s, without a restart, and rolls back as fast', async () => {
    const original = await readFile(gateway.flagsPath, 'utf8');
    const started = performance.now();
    await writeFile(
      gateway.flagsPath,
      JSON.stringify(
        await flagsWith({ 'Commitment.status': [{ selector: { kind: 'everyone' }, stage: 'complete' }] }),
      ),
    );
    const seen = async (who: string, status: string) => {
      for (;;) {
        const response = await gateway.query(STATUS, { as: who });
        if ((response.body.data?.commitment as { status?: string } | null)?.status === status)
          return performance.now() - started;
        if (performance.now() - started > 5000) throw new Error(`${who} never saw ${status}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    expect(await seen('bob', 'BREACHED')).toBeLessThan(2000);
    await writeFile(gateway.flagsPath, original);
    const back = performance.now();
    await seen('bob', 'ACTIVE');
    expect(performance.now() - back).toBeLessThan(2000);
  });

  it('keeps the last good flags when the file turns malformed', async () => {
    const original = await readFile(gateway.flagsPath, 'utf8');
    const reloaded = gateway.nextFlagsReload();
    await writeFile(gateway.flagsPath, '{ "version": 2, "features": [ { "name": ');
    expect(await reloaded).toBe('rejected');
    expect(dataField(await gateway.query(STATUS, { as: 'alice' }), 'commitment')).toEqual({
      status: 'BREACHED',
    });
    const restored = gateway.nextFlagsReload();
    await writeFile(gateway.flagsPath, original);
    expect(await restored).toBe('applied');
  });

  it('lets an admin force a stage for one request, and ignores the header from anyone else', async () => {
    const admin = await gateway.tokenFor('admin');
    const force = async (token: string, header: string) => {
      const response = await fetch(gateway.gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'x-figway-stage': header,
        },
        body: JSON.stringify({ query: STATUS }),
      });
      return {
        status: response.status,
        body: (await response.json()) as { data?: unknown; extensions?: Record<string, unknown> },
      };
    };
    const forced = await force(admin, 'Commitment.status=live');
    expect(forced.body.data).toEqual({ commitment: { status: 'BREACHED' } });
    expect(routesOf(forced)?.['Commitment.status']).toEqual({
      stage: 'live',
      backend: 'target',
      forced: true,
    });
    const ignored = await force(await gateway.tokenFor('bob'), 'Commitment.status=live');
    expect(ignored.body.data).toEqual({ commitment: { status: 'ACTIVE' } });
    expect((await force(admin, 'Commitment.status=sideways')).status).toBe(400);
  });

  it('never forces a Mutation unit for one request, since its stage is one for everyone, and logs why', async () => {
    const admin = await gateway.tokenFor('admin');
    const response = await fetch(gateway.gateway.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${admin}`,
        'x-figway-stage': 'Mutation.updateCommitmentStatus=live',
      },
      // No such commitment: the route is recorded before the write, and nothing changes.
      body: JSON.stringify({
        query: `mutation { updateCommitmentStatus(id: "${MISSING}", status: FULFILLED) { status } }`,
      }),
    });
    const body = (await response.json()) as { extensions?: Record<string, unknown> };
    expect(routesOf({ body })?.['Mutation.updateCommitmentStatus']).toEqual({
      stage: 'legacy',
      backend: 'legacy',
    });
    const warning = await logs.waitFor((line) => line.unit === 'Mutation.updateCommitmentStatus');
    expect(warning).toMatchObject({ level: LEVEL.warn, stage: 'live' });
    expect(warning.msg).toContain('x-figway-stage ignored for Mutation.updateCommitmentStatus');
  });

  it('decides each unit once per request and keeps it across requests (sticky per user)', async () => {
    const many = `{ a: commitment(id: "${SHARED}") { status } b: commitment(id: "${SHARED}") { status } }`;
    for (let i = 0; i < 5; i++) {
      const response = await gateway.query(many, { as: 'carol' });
      expect(response.body.data).toEqual({ a: { status: 'BREACHED' }, b: { status: 'BREACHED' } });
    }
  });
});
