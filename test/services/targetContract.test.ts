import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { checkedIds, MAX_BATCH_IDS } from '../../src/services/batchIds.ts';
import {
  contractVersion,
  readTargetContract,
  TARGET_SERVICE_KINDS,
} from '../../src/services/targetContract.ts';
import { buildServiceSchema } from '../../src/services/targetService.ts';
import { departuresFrom } from './contractCheck.ts';

describe('the target contracts', () => {
  it.each(TARGET_SERVICE_KINDS)(
    '%s: every batch entry point takes ids: [ID!]! and answers a list',
    async (kind) => {
      const schema = buildSchema(await readTargetContract(kind));
      const fields = Object.values(schema.getQueryType()?.getFields() ?? {});
      const batches = fields.filter((field) => /ByIds$|ByCommitmentIds$/.test(field.name));
      expect(batches.length).toBeGreaterThan(1);
      for (const field of batches) {
        expect(
          field.args.map((arg) => `${arg.name}: ${String(arg.type)}`),
          field.name,
        ).toEqual(['ids: [ID!]!']);
        expect(String(field.type), field.name).toMatch(/^\[\w+!\]!$/);
      }
    },
  );

  it('finds a served schema that lacks a field or changes an argument', async () => {
    const contract = buildSchema(await readTargetContract('oltp'));
    const lacking = buildSchema(
      (await readTargetContract('oltp')).replace(
        /"Every kind of commitment, by name."\s+commitmentTypes: \[CommitmentType!\]!/,
        '',
      ),
    );
    expect(departuresFrom(contract, lacking)).toEqual(['FIELD_REMOVED: Query.commitmentTypes was removed.']);
    const changed = buildSchema(
      (await readTargetContract('oltp')).replace(
        'profilesByIds(ids: [ID!]!)',
        'profilesByIds(ids: [ID!]!, first: Int!)',
      ),
    );
    expect(departuresFrom(contract, changed)).toHaveLength(1);
  });

  it('labels a contract by its canonical SDL, not by its layout', async () => {
    const sdl = await readTargetContract('ledger');
    expect(contractVersion('ledger', sdl)).toMatch(/^ledger\+[0-9a-f]{8}$/);
    expect(contractVersion('ledger', `\n\n${sdl.replaceAll('  ', '    ')}`)).toBe(
      contractVersion('ledger', sdl),
    );
    expect(contractVersion('ledger', sdl.replace('verified: Boolean!', 'verified: Boolean'))).not.toBe(
      contractVersion('ledger', sdl),
    );
  });
});

describe('buildServiceSchema', () => {
  it('refuses a resolver for a field the contract does not have', async () => {
    await expect(
      buildServiceSchema('oltp', { Query: { commitmentTypes: () => [], allProfiles: () => [] } }),
    ).rejects.toThrow(/Query.allProfiles defined in resolvers, but not in schema/);
  });
});

describe('checkedIds', () => {
  it('keeps the first of each id, in order, and refuses more than the batch limit', () => {
    expect(checkedIds('f', ['b', 'a', 'b'])).toEqual(['b', 'a']);
    const ids = Array.from({ length: MAX_BATCH_IDS + 1 }, (_, index) => String(index));
    expect(() => checkedIds('commitmentsByIds', ids)).toThrow(/at most 1000 ids/);
    expect(checkedIds('f', [...ids.slice(0, MAX_BATCH_IDS), '0'])).toHaveLength(MAX_BATCH_IDS);
  });
});
