import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { figway, type ServeProcess } from '../support/figwayProcess.ts';
import { type MirroredDeployment, mirroredDeployment } from '../support/mirroredServe.ts';
import { createProductionDatabases, type ProductionDatabases } from '../support/productionDatabases.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy.ts';

// The faults of the mirror, through `figway serve` on PostgreSQL: a side that refuses
// connections for 30 s while 1,000 writes are made, a gateway killed mid-mirroring, a
// change the target refuses, two gateways on the same databases.

const OUTAGE_MS = 30_000;
const WRITES = 1_000;

function pgPort(url: string): number {
  return Number(new URL(url).port || 5432);
}

async function pending(deployment: MirroredDeployment, role: 'legacy' | 'ledger'): Promise<number> {
  const table = role === 'legacy' ? 'figway.legacy_changes' : 'figway.outbox';
  const [row] = await deployment.sql(role, `select count(*)::int as n from ${table} where dead_at is null`);
  return Number(row?.n);
}

/** Ids among `ids` whose ledger history is not exactly one revision (lost: 0, duplicated: 2 or more). */
async function notExactlyOnceOnLedger(deployment: MirroredDeployment, ids: readonly string[]) {
  // Each offender comes with its revisions (version, block, parties), to show how it went wrong.
  return deployment.sql(
    'ledger',
    `select id, count(r.version)::int as revisions,
       json_agg(json_build_object('version', r.version, 'block', r.sequence_no,
         'parties', jsonb_array_length(r.data -> 'parties')) order by r.version) as detail
     from unnest($1::text[]) as id
     left join ledger.revisions r on r.table_name = 'commitments' and r.document_id = id
     group by id having count(r.version) <> 1`,
    [ids],
  );
}

async function reconcile(deployment: MirroredDeployment) {
  const result = await figway(['reconcile', 'commitments', '--json'], deployment.env);
  return {
    code: result.code,
    report: JSON.parse(result.stdout) as Record<string, unknown>,
    stderr: result.stderr,
  };
}

describe('the mirror when a side refuses connections for 30 s (PostgreSQL)', () => {
  const sets: ProductionDatabases[] = [];
  const proxies: TcpProxy[] = [];
  const deployments: MirroredDeployment[] = [];
  afterAll(async () => {
    await Promise.all(deployments.map((deployment) => deployment.close()));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await Promise.all(sets.map((set) => set.drop()));
  });

  // Both outages run at once, on databases of their own, so the file takes one outage's time.
  it('loses and duplicates nothing: 1,000 writes at dualwrite with the target down, and at live with legacy down', async () => {
    const [dualwriteDbs, liveDbs] = await Promise.all([
      createProductionDatabases(),
      createProductionDatabases(),
    ]);
    sets.push(dualwriteDbs, liveDbs);
    const targetProxy = await startTcpProxy(pgPort(dualwriteDbs.urls.ledger));
    const legacyProxy = await startTcpProxy(pgPort(liveDbs.urls.legacy));
    proxies.push(targetProxy, legacyProxy);
    const dualwrite = await mirroredDeployment(dualwriteDbs, 'dualwrite', {
      LEDGER_DATABASE_URL: targetProxy.via(dualwriteDbs.urls.ledger),
      OLTP_DATABASE_URL: targetProxy.via(dualwriteDbs.urls.oltp),
    });
    const live = await mirroredDeployment(liveDbs, 'live', {
      SUPABASE_DB_URL: legacyProxy.via(liveDbs.urls.legacy),
    });
    deployments.push(dualwrite, live);
    const [dualwriteGateway, liveGateway] = await Promise.all([dualwrite.start(), live.start()]);

    const outage = async (proxy: TcpProxy, write: () => Promise<string[]>) => {
      await proxy.refuse();
      const ended = new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      const ids = await write();
      await ended;
      await proxy.accept();
      return ids;
    };
    const [written, writtenLive] = await Promise.all([
      outage(targetProxy, () => dualwrite.createCommitments(dualwriteGateway, WRITES, 'During the outage')),
      outage(legacyProxy, () => live.createCommitments(liveGateway, WRITES, 'Live during the outage')),
    ]);
    expect(new Set(written).size).toBe(WRITES);
    expect(new Set(writtenLive).size).toBe(WRITES);

    // Every acknowledged write waited in a queue, and arrives once the side is back.
    await eventually(
      () => pending(dualwrite, 'legacy'),
      (n) => n === 0,
      60_000,
    );
    await eventually(
      () => pending(live, 'ledger'),
      (n) => n === 0,
      60_000,
    );
    expect(await notExactlyOnceOnLedger(dualwrite, written)).toEqual([]);
    const onLegacy = await live.sql(
      'legacy',
      `select c.id, count(h.id)::int as inserts from public.commitments c
       join public.commitment_history h on h.commitment_id = c.id and h.entity = 'commitment' and h.operation = 'INSERT'
       where c.id = any($1::uuid[]) group by c.id`,
      [writtenLive],
    );
    expect(onLegacy.length).toBe(WRITES);
    expect(onLegacy.filter((row) => row.inserts !== 1)).toEqual([]);
    const [parties] = await live.sql(
      'legacy',
      "select count(*)::int as n from public.commitment_parties where commitment_id = any($1::uuid[]) and role = 'CREATOR'",
      [writtenLive],
    );
    expect(parties?.n).toBe(WRITES);

    for (const deployment of [dualwrite, live]) {
      const { code, report } = await reconcile(deployment);
      expect(report).toMatchObject({
        entity: 'commitments',
        divergent: 0,
        missingOnTarget: 0,
        missingOnLegacy: 0,
      });
      expect(code).toBe(0);
    }
  }, 240_000);
});

describe('the mirror across restarts, refusals and instances (PostgreSQL)', () => {
  let databases: ProductionDatabases;
  let proxy: TcpProxy;
  let deployment: MirroredDeployment;
  // The gateway that runs after the restart, used by the later tests too.
  let running: ServeProcess;
  beforeAll(async () => {
    databases = await createProductionDatabases();
    proxy = await startTcpProxy(pgPort(databases.urls.ledger));
    deployment = await mirroredDeployment(databases, 'dualwrite', {
      LEDGER_DATABASE_URL: proxy.via(databases.urls.ledger),
      OLTP_DATABASE_URL: proxy.via(databases.urls.oltp),
      FIGWAY_SYNC_LEASE_MS: '2000',
      FIGWAY_SYNC_MAX_ATTEMPTS: '3',
    });
  }, 120_000);
  afterAll(async () => {
    await deployment?.close();
    await proxy?.close();
    await databases?.drop();
  });

  it('a gateway killed with SIGKILL in the middle of mirroring resumes on restart with nothing lost or doubled', async () => {
    const first = await deployment.start();
    await proxy.refuse();
    const ids = await deployment.createCommitments(first, 300, 'Before the kill');
    await proxy.accept();
    // Killed while it holds claims: a batch is being applied.
    await eventually(
      async () =>
        (
          await deployment.sql(
            'legacy',
            'select count(*)::int as n from figway.legacy_changes where claimed_until > now()',
          )
        )[0]?.n,
      (claimed) => Number(claimed) > 0,
      20_000,
    );
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(await pending(deployment, 'legacy')).toBeGreaterThan(0);

    running = await deployment.start();
    await eventually(
      () => pending(deployment, 'legacy'),
      (n) => n === 0,
      30_000,
    );
    expect(await notExactlyOnceOnLedger(deployment, ids)).toEqual([]);
  }, 120_000);

  it('a change the target refuses goes to the dead letters while the rest keep flowing, and is retried on demand', async () => {
    await deployment.sql(
      'oltp',
      "alter table oltp.commitment_types add constraint no_poison check (name <> 'Poison')",
    );
    const [poison] = await deployment.sql(
      'legacy',
      "insert into public.commitment_types (name) values ('Poison') returning id",
    );
    const ids = await deployment.createCommitments(running, 20, 'Next to the poison');
    const status = await eventually(
      async () => {
        const result = await figway(['sync', 'status', '--json'], deployment.env);
        return {
          code: result.code,
          body: JSON.parse(result.stdout) as { toTarget: { deadLetters: Array<Record<string, unknown>> } },
        };
      },
      (result) => result.body.toTarget.deadLetters.length === 1,
      30_000,
    );
    expect(status.code).toBe(1);
    const [dead] = status.body.toTarget.deadLetters;
    expect(dead).toMatchObject({ entityId: poison?.id, attempts: 3 });
    expect(String(dead?.lastError)).toContain('no_poison');
    await eventually(
      () => pending(deployment, 'legacy'),
      (n) => n === 0,
      30_000,
    );
    expect(await notExactlyOnceOnLedger(deployment, ids)).toEqual([]);

    await deployment.sql('oltp', 'alter table oltp.commitment_types drop constraint no_poison');
    const retried = await figway(['sync', 'retry', `legacy-${String(dead?.id)}`], deployment.env);
    expect(retried.code).toBe(0);
    await eventually(
      () => deployment.sql('oltp', 'select name from oltp.commitment_types where id = $1', [poison?.id]),
      (rows) => rows[0]?.name === 'Poison',
      10_000,
    );
    expect((await figway(['sync', 'status', '--json'], deployment.env)).code).toBe(0);
  }, 120_000);

  it('two gateways on the same databases apply each change exactly once', async () => {
    const [a, b] = [running, await deployment.start()];
    const renames = (async () => {
      for (let round = 0; round < 50; round++) {
        await deployment.sql(
          'legacy',
          "update public.profiles set display_name = $1 where username = 'bob'",
          [`Bob ${round}`],
        );
      }
    })();
    const [throughA, throughB] = await Promise.all([
      deployment.createCommitments(a, 200, 'Through A'),
      deployment.createCommitments(b, 200, 'Through B'),
      renames,
    ]);
    await eventually(
      () => pending(deployment, 'legacy'),
      (n) => n === 0,
      30_000,
    );
    expect(await notExactlyOnceOnLedger(deployment, [...throughA, ...throughB])).toEqual([]);
    const [bob] = await deployment.sql(
      'oltp',
      "select display_name from oltp.profiles where username = 'bob'",
    );
    expect(bob?.display_name).toBe('Bob 49');
  }, 120_000);
});
