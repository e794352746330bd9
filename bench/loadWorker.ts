import { Agent } from 'node:http';
import type { LoadOutcome, LoadSpec } from './driveLoad.ts';
import { answerRuns } from './driveWorker.ts';
import { postJson } from './postJson.ts';

// The client side of the HTTP benchmarks, run in a worker thread so that sending
// requests and reading answers does not take event-loop time from the gateway.
// Closed loop: each of `concurrency` clients sends its next request as soon as the
// previous answer is read, over a keep-alive connection of its own.

async function runLoad(spec: LoadSpec): Promise<LoadOutcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const url = new URL(spec.url);
  const payload = Buffer.from(JSON.stringify({ query: spec.query }));
  const latencies: number[] = [];
  let failures = 0;
  let firstBody: string | null = null;
  const started = performance.now();
  const deadline = started + spec.durationMs;
  const client = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const { status, body } = await postJson(agent, url, spec.headers, payload);
        latencies.push(performance.now() - sent);
        // A substring test, not a parse: the client must stay cheap next to the server.
        if (status !== 200 || body.includes('"errors"')) failures += 1;
        firstBody ??= body;
      } catch {
        failures += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, client));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  return { latencies: Float64Array.from(latencies), failures, elapsedMs, firstBody };
}

answerRuns(runLoad);
