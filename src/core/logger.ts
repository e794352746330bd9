import { pino } from 'pino';
import type { Config } from '../config.ts';

/** The structured logger figway writes with. */
export type Logger = pino.Logger;

/** Creates the JSON logger (pino) at the configured level. */
export function createLogger(level: Config['logLevel']): Logger {
  return pino({ name: 'figway', level, base: { service: 'figway' } });
}
