import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../../../harness/databases.ts';
import { literal } from '../../../../src/backends/ledger/qldb/ledgerTables.ts';
import type { Database } from '../../../../src/core/database.ts';

// Names a PartiQL statement or an imported journal may carry into the SQL the ledger writes.
const NAMES = [
  'commitments',
  "it's",
  'back\\slash',
  "\\'; drop table ledger.revisions; --",
  'ends\\',
  'ünïcödé',
];

describe.each(await testEngines())('table and field names as SQL literals ($name)', (engine) => {
  let db: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await engine.create());
  });
  afterAll(() => drop());

  for (const conforming of ['on', 'off']) {
    it(`reads back exactly the name, with standard_conforming_strings ${conforming}`, async () => {
      const values = await db.transaction(async (tx) => {
        await tx.exec(`set local standard_conforming_strings = ${conforming}`);
        return Promise.all(NAMES.map(async (name) => (await tx.query(`select ${literal(name)} as v`))[0]?.v));
      });
      expect(values).toEqual(NAMES);
    });
  }

  it('refuses U+0000, which no SQL literal can hold', () => {
    expect(() => literal('a\u0000b')).toThrow(RangeError);
  });
});
