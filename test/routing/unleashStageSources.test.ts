import { describe, expect, it } from 'vitest';
import { createUnleashServerStageSource } from '../../src/routing/unleashStageSources.ts';
import { captureLogs, LEVEL } from '../support/capturedLogs.ts';
import { closedPort } from '../support/closedPort.ts';

describe('createUnleashServerStageSource', () => {
  it('logs an Unleash it cannot reach with the cause, stays up, and fails closed to legacy', async () => {
    const logs = captureLogs('debug');
    const source = createUnleashServerStageSource({
      url: `http://127.0.0.1:${await closedPort()}/api`,
      token: 'default:development.unleash-insecure-api-token',
      refreshMs: 100,
      logger: logs.logger,
    });
    try {
      const failed = await logs.waitFor(
        (line) => line.msg?.startsWith('unleash: fetching flags failed') === true,
      );
      expect(failed).toMatchObject({ level: LEVEL.warn, cause: expect.stringMatching(/\w/) });
      expect(source.decide('figway.Query.commitments', { userId: 'alice', properties: {} })).toEqual({
        stage: 'legacy',
        reason: 'not-synchronized',
      });
    } finally {
      await source.close();
    }
  });
});
