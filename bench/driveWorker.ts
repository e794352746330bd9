import { parentPort, Worker } from 'node:worker_threads';

/** A client load generator in a worker thread, kept for the whole benchmark so its JIT stays warm. */
export interface WorkerDriver<Spec, Outcome> {
  run(spec: Spec): Promise<Outcome>;
  close(): Promise<void>;
}

/**
 * Starts the worker thread at `script`, which answers each spec it is sent with one
 * outcome (see `answerRuns`). Runs are sent one at a time: a run rejects if the
 * worker fails before it answers.
 */
export function driveWorker<Spec, Outcome>(script: URL): WorkerDriver<Spec, Outcome> {
  const worker = new Worker(script);
  return {
    run(spec) {
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        worker.once('error', onError);
        worker.once('message', (outcome: Outcome) => {
          worker.off('error', onError);
          resolve(outcome);
        });
        worker.postMessage(spec);
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}

/**
 * The worker thread's side of `driveWorker`: runs each spec the main thread sends and
 * posts back its outcome, handing over the latencies' buffer rather than copying it.
 */
export function answerRuns<Spec, Outcome extends { latencies: Float64Array }>(
  run: (spec: Spec) => Promise<Outcome>,
): void {
  parentPort?.on('message', (spec: Spec) => {
    void run(spec).then((outcome) =>
      parentPort?.postMessage(outcome, [outcome.latencies.buffer as ArrayBuffer]),
    );
  });
}
