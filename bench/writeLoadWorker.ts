import { Agent } from 'node:http';
import { answerRuns } from './driveWorker.ts';
import type { WriteClient, WriteLoadSpec, WriteOutcome } from './driveWrites.ts';
import { type HttpAnswer, postJson } from './postJson.ts';

// The client side of the writes benchmark, in a worker thread so that sending
// mutations and reading answers takes no event-loop time from the gateway. Closed
// loop: each client sends its next mutation as soon as the previous answer is read,
// over a keep-alive connection of its own, as one demo user.

const CREATE =
  'mutation BenchCreate($input: CreateCommitmentInput!) { createCommitment(input: $input) { id } }';
const ATTACH =
  'mutation BenchAttach($id: ID!, $input: AttachDocumentInput!) ' +
  '{ attachDocument(commitmentId: $id, input: $input) { id version } }';

interface Parsed {
  data?: { createCommitment?: { id?: unknown } } | null;
  errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }>;
}

// The failure an answer carries, or null when it is a clean success.
function failureOf(answer: HttpAnswer, parsed: Parsed | null): string | null {
  if (parsed === null) return `status ${answer.status}: ${answer.body.slice(0, 120)}`;
  const [error] = parsed.errors ?? [];
  if (error !== undefined) return `${String(error.extensions?.code ?? 'no code')}: ${String(error.message)}`;
  if (answer.status !== 200) return `status ${answer.status}`;
  return null;
}

function parse(body: string): Parsed | null {
  try {
    return JSON.parse(body) as Parsed;
  } catch {
    return null;
  }
}

async function runWrites(spec: WriteLoadSpec): Promise<WriteOutcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.clients.length });
  const url = new URL(spec.url);
  const latencies: number[] = [];
  const samples = new Set<string>();
  let failures = 0;
  let created = 0;
  let attached = 0;
  const started = performance.now();
  const deadline = started + spec.durationMs;
  const fail = (message: string) => {
    failures += 1;
    if (samples.size < 5) samples.add(message);
  };
  const client = async (writer: WriteClient, index: number) => {
    // Commitments this client created in this run, newest last, with their document counts.
    const own: Array<{ id: string; documents: number }> = [];
    const headers = { authorization: `Bearer ${writer.token}` };
    for (let step = 0; performance.now() < deadline; step++) {
      const target = own.at(-1);
      const attach =
        step % spec.attachEvery === spec.attachEvery - 1 &&
        target !== undefined &&
        target.documents < spec.maxDocuments;
      const typeId = spec.typeIds[step % spec.typeIds.length] ?? '';
      const label = `${spec.runLabel} ${index}.${step}`;
      const payload = Buffer.from(
        JSON.stringify(
          attach
            ? {
                query: ATTACH,
                variables: {
                  id: target.id,
                  input: { name: `terms ${label}.pdf`, url: `https://files.example.com/${step}.pdf` },
                },
              }
            : { query: CREATE, variables: { input: { title: `Bench ${label}`, typeId } } },
        ),
      );
      const sent = performance.now();
      try {
        const answer = await postJson(agent, url, headers, payload);
        latencies.push(performance.now() - sent);
        const parsed = parse(answer.body);
        const failure = failureOf(answer, parsed);
        if (failure !== null) {
          fail(`${attach ? 'attachDocument' : 'createCommitment'} as ${writer.username}: ${failure}`);
        } else if (attach) {
          attached += 1;
          target.documents += 1;
        } else {
          const id = parsed?.data?.createCommitment?.id;
          if (typeof id === 'string') own.push({ id, documents: 0 });
          created += 1;
        }
      } catch (error) {
        fail(`socket: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  await Promise.all(spec.clients.map(client));
  const elapsedMs = performance.now() - started;
  agent.destroy();
  return {
    latencies: Float64Array.from(latencies),
    failures,
    elapsedMs,
    firstBody: null,
    created,
    attached,
    failureSamples: [...samples],
  };
}

answerRuns(runWrites);
