import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ErrorCode, FigwayError } from '../../src/errors.ts';
import { createFormatError } from '../../src/server/formatError.ts';
import { captureLogs, LEVEL } from '../support/capturedLogs.ts';

function formattedOf(error: GraphQLError) {
  return {
    message: error.message,
    path: ['updateCommitmentStatus', 'parties'],
    extensions: error.extensions,
  };
}

describe('createFormatError', () => {
  it('logs the unexpected error a catalogue error wraps, and shows the client only its own message', () => {
    const logs = captureLogs();
    const format = createFormatError({ development: false, logger: logs.logger });
    const wrapped = new FigwayError(
      ErrorCode.WRITE_COMMITTED,
      'Your change was saved, but part of the answer could not be read.',
      { committed: true },
      new Error('password authentication failed for user "legacy_rw"'),
    );
    const shown = format(formattedOf(wrapped), wrapped);
    expect(shown.message).toBe('Your change was saved, but part of the answer could not be read.');
    expect(JSON.stringify(shown)).not.toContain('legacy_rw');
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).toMatchObject({ level: LEVEL.error, code: 'WRITE_COMMITTED' });
    expect(JSON.stringify(logs.lines[0])).toContain('password authentication failed');
  });

  it('logs nothing for a catalogue error raised on purpose', () => {
    const logs = captureLogs();
    const format = createFormatError({ development: false, logger: logs.logger });
    const notFound = new FigwayError(ErrorCode.NOT_FOUND, 'No commitment with id x is visible to you.');
    expect(format(formattedOf(notFound), notFound).extensions?.code).toBe('NOT_FOUND');
    expect(logs.lines).toEqual([]);
  });

  it('masks an unexpected error outside development and logs it', () => {
    const logs = captureLogs();
    const format = createFormatError({ development: false, logger: logs.logger });
    const raw = new GraphQLError('relation "public.commitments" does not exist');
    const shown = format({ message: raw.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, raw);
    expect(shown).toEqual({
      message: 'Internal server error.',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(logs.lines.map((line) => line.msg)).toEqual(['unexpected error']);
  });
});
