/** How often `eventually` reads again while the condition does not hold yet. */
const POLL_MS = 25;

/**
 * Polls `read` until `done` holds and returns that value; fails after `ms` with the last value read,
 * so a test waits on the state it needs rather than on a fixed sleep.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms: number,
): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > deadline) throw new Error(`not within ${ms} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
