import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEngine, testEngines } from '../../../../harness/databases.ts';
import { type Ledger, openLedger } from '../../../../src/backends/ledger/openLedger.ts';
import { executeStatement } from '../../../../src/backends/ledger/qldb/executeStatement.ts';
import { type IonTree, ionTextOf, loadIon } from '../../../../src/backends/ledger/qldb/ionTree.ts';
import { parsePartiql } from '../../../../src/backends/ledger/qldb/parsePartiql.ts';
import { TransactionView } from '../../../../src/backends/ledger/qldb/transactionView.ts';

const engines = await testEngines();

/** A statement with its parameters as Ion text. */
type Step = [statement: string, ...params: string[]];

/** Runs `steps` in one transaction and commits it; the results of each step as Ion text. */
async function transact(ledger: Ledger, steps: readonly Step[]): Promise<string[][]> {
  const view = new TransactionView(ledger.db);
  const results: string[][] = [];
  for (const [statement, ...params] of steps) {
    const values = await executeStatement(
      view,
      parsePartiql(statement),
      params.map((param) => loadIon(param)),
    );
    results.push(values.map((value: IonTree) => ionTextOf(value)));
  }
  const writes = view.ledgerWrites();
  if (writes.length > 0) await ledger.write(writes);
  return results;
}

async function query(ledger: Ledger, statement: string, ...params: string[]): Promise<string[]> {
  const [values = []] = await transact(ledger, [[statement, ...params]]);
  return values;
}

describe.each(engines)('PartiQL statements on the ledger ($name)', (engine: TestEngine) => {
  let created: Awaited<ReturnType<TestEngine['create']>>;
  let ledger: Ledger;

  beforeAll(async () => {
    created = await engine.create();
    ledger = await openLedger(created.db);
    await transact(ledger, [
      ['CREATE TABLE people'],
      ['CREATE INDEX ON people (name)'],
      [
        'INSERT INTO people ?',
        '{name:"ada",age:36,born:1815-12-10T,tags:["math","poet"],address:{city:"London"}}',
      ],
      ["INSERT INTO people << {'name': 'alan', 'age': 41}, ? >>", '{name:"grace",age:85.5,rank:null}'],
    ]);
  });
  afterAll(async () => {
    await created?.drop();
  });

  it('selects with comparisons, IN, IS MISSING and IS NULL, keeping Ion types', async () => {
    expect(
      await query(ledger, "SELECT VALUE p.name FROM people AS p WHERE p.age > 40 AND p.name <> 'nobody'"),
    ).toEqual(expect.arrayContaining(['"alan"', '"grace"']));
    expect(
      await query(
        ledger,
        "SELECT p.name FROM people p WHERE p.name IN ('ada', 'alan') AND p.tags IS MISSING",
      ),
    ).toEqual(['{name:"alan"}']);
    expect(await query(ledger, 'SELECT name FROM people WHERE rank IS NULL AND rank IS NOT MISSING')).toEqual(
      ['{name:"grace"}'],
    );
    expect(
      await query(
        ledger,
        'SELECT p.born, p.tags[1] AS second, p.address.city FROM people AS p WHERE p.name = ?',
        '"ada"',
      ),
    ).toEqual(['{born:1815-12-10T,second:"poet",city:"London"}']);
    // 36 = 36.0: numbers compare by value across int and decimal.
    expect(await query(ledger, 'SELECT VALUE name FROM people WHERE age = 36.0')).toEqual(['"ada"']);
  });

  it('evaluates chains of 18,000 ORs and ANDs, as deep as it is long', async () => {
    // 18,000 terms: the most a statement under 128 KiB holds.
    const chain = Array.from({ length: 18_000 }, () => 'x=1').join(' OR ');
    expect(await query(ledger, `SELECT VALUE age FROM people WHERE ${chain} OR name = 'ada'`)).toEqual([
      '36',
    ]);
    const all = Array.from({ length: 11_000 }, () => 'age>1').join(' AND ');
    expect(await query(ledger, `SELECT VALUE age FROM people WHERE ${all} AND name = 'ada'`)).toEqual(['36']);
  });

  it('names documents with BY, updates nested paths, removes fields and sees its own writes', async () => {
    const [id] = await query(ledger, "SELECT VALUE docId FROM people AS p BY docId WHERE p.name = 'ada'");
    expect(id).toMatch(/^"\S{22}"$/);
    const [update, inside] = await transact(ledger, [
      [
        'UPDATE people AS p BY pid SET p.address.zip = ?, p.age = 37 REMOVE p.tags WHERE pid = ?',
        '"NW1"',
        String(id),
      ],
      ["SELECT p.address, p.age, p.tags FROM people AS p WHERE p.name = 'ada'"],
    ]);
    expect(update).toEqual([`{documentId:${id}}`]);
    expect(inside).toEqual(['{address:{city:"London",zip:"NW1"},age:37}']);
    const history = await query(
      ledger,
      'SELECT h.data.age, h.metadata.version FROM history(people) AS h WHERE h.metadata.id = ?',
      String(id),
    );
    expect(history).toEqual(['{age:36,version:0}', '{age:37,version:1}']);
  });

  it('deletes a document: gone from the committed view, its deletion in the history', async () => {
    const [deleted] = await query(ledger, "DELETE FROM people AS p WHERE p.name = 'alan'");
    expect(deleted).toMatch(/^\{documentId:"\S{22}"\}$/);
    expect(await query(ledger, "SELECT * FROM people WHERE name = 'alan'")).toEqual([]);
    const history = await query(
      ledger,
      'SELECT h.metadata.version, h.data FROM history(people) AS h WHERE h.metadata.id = ?',
      String(deleted?.slice('{documentId:'.length, -1)),
    );
    expect(history).toEqual(['{version:0,data:{name:"alan",age:41}}', '{version:1}']);
  });

  it('shows the committed view and the catalog as QLDB does', async () => {
    const [committed] = await query(
      ledger,
      "SELECT * FROM _ql_committed_people AS c WHERE c.data.name = 'grace'",
    );
    expect(committed).toMatch(
      /^\{blockAddress:\{strandId:"[^"]+",sequenceNo:\d+\},hash:\{\{[^}]+\}\},data:\{name:"grace",age:85\.5,rank:null\},metadata:\{id:"\S{22}",version:0,txTime:\d{4}-\d\d-\d\dT[\d:.]+Z,txId:"\S+"\}\}$/,
    );
    const [table] = await query(
      ledger,
      "SELECT name, status, indexes FROM information_schema.user_tables WHERE name = 'people'",
    );
    expect(table).toMatch(
      /^\{name:"people",status:"ACTIVE",indexes:\[\{expr:"\[name\]",indexId:"\S+",status:"ONLINE"\}\]\}$/,
    );
  });

  it('refuses what QLDB refuses, writing nothing', async () => {
    const before = await ledger.getDigest();
    await expect(query(ledger, 'SELECT * FROM nowhere')).rejects.toThrow("No such variable named 'nowhere'");
    await expect(query(ledger, 'CREATE TABLE people')).rejects.toThrow("Table 'people' already exists");
    await expect(query(ledger, 'INSERT INTO people ?', '[1, 2]')).rejects.toThrow('INSERT needs a struct');
    await expect(query(ledger, 'SELECT * FROM people WHERE name = ?')).rejects.toThrow(
      'parameter 1 but 0 were given',
    );
    // The catalog is not a table statements may change, whatever its name is quoted as.
    await expect(query(ledger, `DELETE FROM "information_schema.user_tables"`)).rejects.toThrow(
      "No such variable named 'information_schema.user_tables'",
    );
    await expect(query(ledger, 'CREATE TABLE _ql_mine')).rejects.toThrow("'_ql_mine' is not a table name");
    expect(await ledger.getDigest()).toEqual(before);
  });

  it('drops a table: gone from the tables statements may use', async () => {
    await transact(ledger, [['CREATE TABLE scratch'], ["INSERT INTO scratch VALUE {'a': 1}"]]);
    await query(ledger, 'DROP TABLE scratch');
    await expect(query(ledger, 'SELECT * FROM scratch')).rejects.toThrow("No such variable named 'scratch'");
    // Its documents stay in the journal under its name: a new table of that name would show them.
    await expect(query(ledger, 'CREATE TABLE scratch')).rejects.toThrow("Table 'scratch' was dropped");
    expect(
      await query(ledger, "SELECT VALUE status FROM information_schema.user_tables WHERE name = 'scratch'"),
    ).toEqual(['"INACTIVE"']);
  });
});
