import { pino } from 'pino';

/** One JSON log line as pino wrote it. */
export type LogLine = Record<string, unknown> & { level: number; msg?: string };

/** pino's numeric levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** A pino logger whose lines the test can read back. */
export interface CapturedLogs {
  logger: pino.Logger;
  lines: LogLine[];
  /** Resolves with the first line `match` accepts, polling until `timeoutMs`. */
  waitFor(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

/** A logger at `level` writing into memory, as figway's logger writes to stdout. */
export function captureLogs(level: pino.LevelWithSilent = 'debug'): CapturedLogs {
  const lines: LogLine[] = [];
  const logger = pino({ level }, { write: (text: string) => void lines.push(JSON.parse(text) as LogLine) });
  return {
    logger,
    lines,
    async waitFor(match, timeoutMs = 10_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const line = lines.find(match);
        if (line !== undefined) return line;
        if (performance.now() > deadline) {
          throw new Error(`no matching log line within ${timeoutMs} ms:\n${JSON.stringify(lines, null, 1)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
