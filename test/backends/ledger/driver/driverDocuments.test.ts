import * as ion from 'ion-js';
import { describe, expect, it } from 'vitest';
import { jsonOf } from '../../../../src/backends/ledger/driver/driverDocuments.ts';
import { ionToJson } from '../../../../src/backends/ledger/ionToJson.ts';

// Ion values as the ledger may answer them: JSON's own types, and every other kind.
const VALUES = [
  '{id:"c-1",version:3,done:true,none:null,parties:[{role:"CREATOR"}],documents:[]}',
  '{n:9007199254740991,m:-42,e:""}',
  '{n:9007199254740993}',
  '{at:2026-03-01T09:30:00.000Z,day:2026-03-01T}',
  '{amount:12500.50,f:1.5e0,g:nan}',
  '{blob:{{aGVsbG8=}},clob:{{"text"}}}',
  "{tagged:money::12,sym:'a symbol',sexp:(a b c)}",
  '{typed:null.string,list:null.list}',
  '{twice:1,twice:2}',
  '[1,"two",{three:3}]',
];

describe('jsonOf', () => {
  it.each(VALUES)('gives what the ledger down-conversion gives for %s', (text) => {
    const value = ion.load(text);
    if (value === null) throw new Error(`not Ion: ${text}`);
    expect(jsonOf(value)).toEqual(ionToJson(ion.dumpBinary(value)));
  });
});
