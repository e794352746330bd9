// Both sides failed: the client got the control's error, so a candidate failing another
// way is a mismatch at the failed field; the codes are compared, not the messages, which
// backends word differently.
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ErrorCode, FigwayError } from '../../src/errors.ts';
import { clientErrorCode } from '../../src/shadow/clientErrorCode.ts';
import { FACTS, INFO, side, useShadowRunner } from './shadowRunnerFixture.ts';

describe('a comparison where both sides failed', () => {
  const { runner, stored } = useShadowRunner();

  async function compared(controlError: Error, candidateError: Error) {
    const shadow = runner();
    const request = shadow.forRequest(FACTS);
    const served = request.run(
      'Query.thing',
      'shadow',
      side('legacy', async () => {
        throw controlError;
      }),
      side('target', async () => {
        throw candidateError;
      }),
      INFO,
    );
    await expect(served).rejects.toBe(controlError);
    request.responseSent();
    // The newest row: a test may compare more than once.
    return (await stored(shadow)).at(-1);
  }

  it('is a mismatch at the field when the codes differ, with both messages kept', async () => {
    const row = await compared(
      new FigwayError(ErrorCode.NOT_FOUND, 'No commitment 1.'),
      new FigwayError(ErrorCode.FORBIDDEN, 'You may not see commitment 1.'),
    );
    expect(row).toMatchObject({
      outcome: 'mismatched',
      diffs: [{ path: 'thing', control: 'error NOT_FOUND', candidate: 'error FORBIDDEN' }],
      control_error: 'No commitment 1.',
      candidate_error: 'You may not see commitment 1.',
    });
  });

  it('is a mismatch when the candidate fails without a code, as INTERNAL_SERVER_ERROR', async () => {
    const row = await compared(
      new FigwayError(ErrorCode.NOT_FOUND, 'No commitment 1.'),
      new Error('relation "commitments" does not exist'),
    );
    expect(row).toMatchObject({
      outcome: 'mismatched',
      diffs: [{ path: 'thing', control: 'error NOT_FOUND', candidate: 'error INTERNAL_SERVER_ERROR' }],
    });
  });

  it('matches when both fail with the same code, however they word it', async () => {
    const coded = await compared(
      new FigwayError(ErrorCode.NOT_FOUND, 'No commitment 1.'),
      new FigwayError(ErrorCode.NOT_FOUND, 'Commitment 1 was not found.'),
    );
    expect(coded).toMatchObject({
      outcome: 'matched',
      diffs: [],
      control_error: 'No commitment 1.',
      candidate_error: 'Commitment 1 was not found.',
    });
    const uncoded = await compared(new Error('socket hang up'), new Error('connection reset'));
    expect(uncoded).toMatchObject({ outcome: 'matched', diffs: [] });
  });
});

describe('clientErrorCode', () => {
  it('is the catalogue code the client is shown, INTERNAL_SERVER_ERROR for any other', () => {
    expect(clientErrorCode(new FigwayError(ErrorCode.FORBIDDEN, 'no'))).toBe('FORBIDDEN');
    expect(clientErrorCode(new GraphQLError('no', { extensions: { code: 'NOT_FOUND' } }))).toBe('NOT_FOUND');
    expect(clientErrorCode(new GraphQLError('no', { extensions: { code: 'SOMETHING_ELSE' } }))).toBe(
      'INTERNAL_SERVER_ERROR',
    );
    expect(clientErrorCode(new Error('no'))).toBe('INTERNAL_SERVER_ERROR');
    expect(clientErrorCode('no')).toBe('INTERNAL_SERVER_ERROR');
  });
});
