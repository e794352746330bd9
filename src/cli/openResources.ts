import type { Logger } from '../core/logger.ts';

/**
 * What a long-running command has opened (databases, the mirror's appliers, listeners),
 * closed again the last first: on shutdown, and when start-up fails half-way, so that a
 * failed start exits instead of hanging on the timers and connections it already opened.
 */
export interface OpenResources {
  /** Remembers how to close something just opened; `name` is what a failure to close it is logged as. */
  add(name: string, close: () => Promise<void>): void;
  /**
   * Closes everything added, the last first, and forgets it. A close that fails is logged
   * with its name and the rest still close; resolves false when any failed.
   */
  closeAll(): Promise<boolean>;
}

/** Creates an empty {@link OpenResources} that logs failures to close on `logger`. */
export function createOpenResources(logger: Logger): OpenResources {
  const opened: Array<{ name: string; close: () => Promise<void> }> = [];
  return {
    add(name, close) {
      opened.push({ name, close });
    },
    async closeAll() {
      let closed = true;
      for (const { name, close } of opened.splice(0).reverse()) {
        try {
          await close();
        } catch (error) {
          logger.error({ err: error, resource: name }, `closing ${name} failed`);
          closed = false;
        }
      }
      return closed;
    },
  };
}
