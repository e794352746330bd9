import { spawn } from 'node:child_process';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { describe, expect, it } from 'vitest';
import { createLedgerCommitments } from '../../src/backends/ledger/ledgerCommitments.ts';
import { openLedger } from '../../src/backends/ledger/openLedger.ts';
import { openRemoteTargets } from '../../src/backends/remote/openRemoteTargets.ts';
import { openPostgresDatabase } from '../../src/backends/sql/postgresDatabase.ts';
import { createBearerVerifier } from '../../src/server/verifyBearer.ts';
import { errorCodes, ISSUER, post, startService, UNSET } from '../services/serviceProcess.ts';
import { eventually } from '../support/eventually.ts';
import { FIGWAY_COMMAND } from '../support/figwayProcess.ts';
import { ask, dataOf, serviceRequests, sql } from './remoteDeployment.ts';

import {
  ALICE_AND_CAROL,
  CUSTOM_SDL,
  CUSTOM_TYPES,
  DASHBOARD,
  databases,
  gateway,
  gateways,
  LIST,
  LOAN,
  ledger,
  oltp,
  replaceOltp,
  SERVICE_KEY,
  serviceEnv,
  tokens,
  useRemoteGateway,
  WITH_KEY,
} from './remoteGatewayFixture.ts';

useRemoteGateway();

describe('a gateway whose targets are remote services (three processes on PostgreSQL)', () => {
  it('serves every read unit at live through the target services', async () => {
    await gateways.stage(gateway, tokens.alice, 'live');
    const before = { ledger: await serviceRequests(ledger.url), oltp: await serviceRequests(oltp.url) };
    const answer = await ask(gateway.url, DASHBOARD, tokens.alice);
    expect(answer.errors).toEqual([]);
    expect(answer.data?.me).toMatchObject({ username: 'alice', displayName: 'Alice Adeyemi' });
    const routed = Object.entries(answer.routes);
    expect(routed.map(([unit]) => unit).sort()).toEqual(
      expect.arrayContaining(['Query.me', 'Query.commitments', 'Commitment.parties', 'Profile.displayName']),
    );
    expect(routed.every(([, route]) => route.backend === 'target' && route.stage === 'live')).toBe(true);
    expect(await serviceRequests(ledger.url)).toBeGreaterThan(before.ledger);
    expect(await serviceRequests(oltp.url)).toBeGreaterThan(before.oltp);
    const health = (await (await fetch(new URL('/healthz', gateway.url))).json()) as {
      backends: Record<string, { status: string }>;
    };
    expect(health.backends).toMatchObject({ ledger: { status: 'up' }, oltp: { status: 'up' } });
  });

  it('compares legacy with the remote target in shadow, and records no mismatch on equal data', async () => {
    await gateways.stage(gateway, tokens.alice, 'shadow');
    const before = await serviceRequests(ledger.url);
    for (const token of [tokens.alice, tokens.bob, tokens.carol]) {
      const answer = await ask(gateway.url, DASHBOARD, token);
      expect(answer.errors).toEqual([]);
      expect(answer.routes['Query.commitments']).toEqual({ stage: 'shadow', backend: 'legacy' });
    }
    const observations = await eventually(
      () =>
        sql(
          databases.urls.observations,
          "select unit, outcome, count(*)::int as n from observations.observations where stage = 'shadow' group by unit, outcome",
        ),
      (rows) =>
        ['Query.me', 'Query.commitments', 'Commitment.parties'].every((unit) =>
          rows.some((row) => row.unit === unit),
        ),
      15_000,
    );
    expect(observations.filter((row) => row.outcome !== 'matched')).toEqual([]);
    expect(await serviceRequests(ledger.url)).toBeGreaterThan(before);
  });

  it("does not show bob alice's commitment, through the gateway or the ledger service directly", async () => {
    await gateways.stage(gateway, tokens.alice, 'live');
    const query = `{ commitment(id: "${ALICE_AND_CAROL}") { id title } }`;
    const bobs = await ask(gateway.url, query, tokens.bob);
    expect(bobs.errors).toEqual([]);
    expect(bobs.data).toEqual({ commitment: null });
    expect(bobs.routes['Query.commitment']).toEqual({ stage: 'live', backend: 'target' });
    expect((await ask(gateway.url, query, tokens.alice)).data).toEqual({
      commitment: { id: ALICE_AND_CAROL, title: expect.any(String) },
    });
    const direct = await post(ledger.url, `{ commitmentsByIds(ids: ["${ALICE_AND_CAROL}"]) { id } }`, {
      token: tokens.bob,
      headers: WITH_KEY,
    });
    expect(direct.body).toEqual({ data: { commitmentsByIds: [] } });
  });

  it('refuses a direct call without the service key, or with a wrong one: 401, nothing written', async () => {
    const revisions = async () =>
      (await sql(databases.urls.ledger, 'select count(*)::int as n from ledger.revisions'))[0]?.n;
    const outbox = async () =>
      (await sql(databases.urls.ledger, 'select count(*)::int as n from figway.outbox'))[0]?.n;
    const before = { revisions: await revisions(), outbox: await outbox() };
    const create = `mutation { createCommitment(input: { title: "Around the gateway", typeId: "${LOAN}" }) { id } }`;
    const intent = { 'figway-write-intent': 'Mutation.createCommitment; live' };
    const keys: Array<Record<string, string>> = [
      {},
      { 'figway-service-key': 'x'.repeat(64) },
      { 'figway-service-key': SERVICE_KEY.slice(1) },
    ];
    for (const key of keys) {
      for (const [url, query] of [
        [ledger.url, create],
        [oltp.url, `{ profilesByIds(ids: ["a11ce000-0000-4000-8000-000000000001"]) { username } }`],
      ] as const) {
        const answer = await post(url, query, { token: tokens.alice, headers: { ...key, ...intent } });
        expect(answer.status).toBe(401);
        expect(answer.body.data).toBeUndefined();
        expect(errorCodes(answer)).toEqual(['UNAUTHENTICATED']);
        expect(answer.body.errors?.[0]?.message).toMatch(
          /send the shared FIGWAY_SERVICE_KEY in the figway-service-key header/,
        );
      }
    }
    expect({ revisions: await revisions(), outbox: await outbox() }).toEqual(before);
    // /healthz and /metrics are not behind the key (metrics keep FIGWAY_METRICS_TOKEN).
    expect((await fetch(new URL('/healthz', ledger.url))).status).toBe(200);
    expect((await fetch(new URL('/metrics', oltp.url))).status).toBe(200);
    expect(ledger.output()).not.toMatch(/FIGWAY_SERVICE_KEY is not set/);
  });

  it("answers BACKEND_UNAVAILABLE naming FIGWAY_SERVICE_KEY when a service refuses the gateway's key", async () => {
    const remote = await openRemoteTargets({
      ledger: { url: ledger.url, timeoutMs: 5000, serviceKey: SERVICE_KEY },
      oltp: { url: oltp.url, timeoutMs: 5000, serviceKey: 'y'.repeat(64) },
    });
    try {
      const alice = await createBearerVerifier(
        { kind: 'secret', secret: tokens.secret },
        { audience: 'authenticated', issuer: ISSUER },
      )(`Bearer ${tokens.alice}`);
      await expect(remote.store.commitmentTypesByIds(alice, [LOAN])).rejects.toMatchObject({
        code: 'BACKEND_UNAVAILABLE',
        message:
          "The oltp service refused the gateway's service key: set the same FIGWAY_SERVICE_KEY on both.",
      });
      await expect(remote.ping.oltp()).rejects.toThrow();
      await expect(remote.ping.ledger()).resolves.toBeUndefined();
    } finally {
      await remote.close();
    }
  });

  it('writes at live through the ledger service with its outbox row, which a figway sync worker mirrors to legacy', async () => {
    const answer = await ask(
      gateway.url,
      `mutation { createCommitment(input: { title: "Through the ledger service", typeId: "${LOAN}" }) { id status } }`,
      tokens.alice,
    );
    expect(answer.errors).toEqual([]);
    expect(answer.routes['Mutation.createCommitment']).toEqual({ stage: 'live', backend: 'target' });
    const id = (dataOf(answer).createCommitment as { id: string }).id;
    expect(
      await sql(databases.urls.ledger, 'select unit, stage from figway.outbox where entity_id = $1', [id]),
    ).toEqual([{ unit: 'Mutation.createCommitment', stage: 'live' }]);
    const inLegacy = () =>
      sql(databases.urls.legacy, 'select title from public.commitments where id = $1', [id]);
    expect(await inLegacy()).toEqual([]);
    const worker = spawn(process.execPath, [...FIGWAY_COMMAND, 'sync'], {
      env: { ...process.env, ...UNSET, ...databases.env, ...tokens.env, FIGWAY_SYNC_POLL_MS: '100' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
    try {
      expect(await eventually(inLegacy, (rows) => rows.length === 1, 30_000)).toEqual([
        { title: 'Through the ledger service' },
      ]);
    } finally {
      worker.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('sends each service as many HTTP requests for a list of 100 commitments as for a list of 5', async () => {
    await gateways.stage(gateway, tokens.alice, 'complete');
    const db = openPostgresDatabase({ connectionString: databases.urls.ledger });
    try {
      const verify = createBearerVerifier(
        { kind: 'secret', secret: tokens.secret },
        { audience: 'authenticated', issuer: ISSUER },
      );
      const alice = await verify(`Bearer ${tokens.alice}`);
      const commitments = createLedgerCommitments(await openLedger(db));
      for (let index = 0; index < 100; index++)
        await commitments.createCommitment(alice, {
          title: `Bulk ${index}`,
          description: '',
          typeId: LOAN,
          terms: '',
        });
    } finally {
      await db.close();
    }
    // `together` requests of alice at once, with one token: each makes its own service requests.
    const requestsFor = async (first: number, together = 1) => {
      const before = { ledger: await serviceRequests(ledger.url), oltp: await serviceRequests(oltp.url) };
      const answers = await Promise.all(
        Array.from({ length: together }, () => ask(gateway.url, LIST, tokens.alice, { first })),
      );
      for (const answer of answers) {
        expect(answer.errors).toEqual([]);
        expect((dataOf(answer).commitments as { edges: unknown[] }).edges).toHaveLength(first);
      }
      return {
        ledger: (await serviceRequests(ledger.url)) - before.ledger,
        oltp: (await serviceRequests(oltp.url)) - before.oltp,
      };
    };
    const five = await requestsFor(5);
    const hundred = await requestsFor(100);
    expect(hundred).toEqual(five);
    expect(await requestsFor(5, 6)).toEqual({ ledger: 6, oltp: 6 });
    // The page carries its parties and documents; the types, creators and the parties'
    // profiles, asked for one resolver level apart, go to the OLTP service together.
    expect(five).toEqual({ ledger: 1, oltp: 1 });
  });

  it('fails the units of a stopped service, or falls back to legacy where the catalogue allows, until it restarts', async () => {
    await gateways.stage(gateway, tokens.alice, 'live');
    const port = Number(new URL(oltp.url).port);
    expect(await oltp.stop()).toBe(0);
    const query = '{ me { username } commitmentTypes { name } }';
    const down = await ask(gateway.url, query, tokens.alice);
    expect(down.errors).toEqual([
      expect.objectContaining({
        path: ['me'],
        extensions: expect.objectContaining({ code: 'BACKEND_UNAVAILABLE', backend: 'oltp' }),
      }),
    ]);
    expect((dataOf(down).commitmentTypes as unknown[]).length).toBeGreaterThan(0);
    expect(down.fallbacks.map((fallback) => fallback.unit)).toEqual(['Query.commitmentTypes']);
    const health = await fetch(new URL('/healthz', gateway.url));
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      backends: { oltp: { status: 'down' }, ledger: { status: 'up' } },
    });
    replaceOltp(await startService('oltp', serviceEnv.oltp ?? {}, port));
    const back = await eventually(
      () => ask(gateway.url, query, tokens.alice),
      (answer) => answer.errors.length === 0,
      10_000,
    );
    expect(back.data?.me).toEqual({ username: 'alice' });
    expect(back.fallbacks).toEqual([]);
  });

  it('lets a target service figway did not write take over Query.commitmentTypes', async () => {
    const seen: Array<string | undefined> = [];
    const custom = new ApolloServer({
      typeDefs: CUSTOM_SDL,
      resolvers: {
        Query: {
          commitmentTypes: () => CUSTOM_TYPES,
          commitmentTypesByIds: (_: unknown, args: { ids: string[] }) =>
            CUSTOM_TYPES.filter((type) => args.ids.includes(type.id)),
        },
      },
    });
    const { url } = await startStandaloneServer(custom, {
      listen: { port: 0, host: '127.0.0.1' },
      context: async ({ req }) => {
        seen.push(req.headers.authorization);
        return {};
      },
    });
    try {
      const second = await gateways.start({ ledger: ledger.url, oltp: url });
      const answer = await ask(
        second.url,
        `{ commitmentTypes { name } commitment(id: "${ALICE_AND_CAROL}") { type { name } } }`,
        tokens.alice,
      );
      expect(answer.errors).toEqual([]);
      expect(answer.data?.commitmentTypes).toEqual(CUSTOM_TYPES.map((type) => ({ name: type.name })));
      expect(answer.routes['Query.commitmentTypes']).toEqual({ stage: 'live', backend: 'target' });
      expect((dataOf(answer).commitment as { type: { name: string } }).type.name).toMatch(
        /\(custom service\)$/,
      );
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen)).toEqual(new Set([`Bearer ${tokens.alice}`]));
      expect(await second.stop()).toBe(0);
    } finally {
      await custom.stop();
    }
  });
});
