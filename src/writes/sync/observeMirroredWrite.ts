import { COMMITMENTS, type CommitmentDocument } from '../../backends/ledger/commitmentDocument.ts';
import type { Ledger } from '../../backends/ledger/openLedger.ts';
import type { Database } from '../../core/database.ts';
import type { Observation, PathDiff } from '../../core/observation.ts';
import { readSide, shadowSide, writeSide } from '../../core/stage.ts';
import type { MirrorOutcome } from './createSync.ts';
import { readLegacyCommitment } from './readLegacyCommitment.ts';

/** What a write changes that the two sides must agree on after the mirror. */
interface WriteOutcome {
  status: string;
  version: number;
  parties: string[];
  documents: string[];
}

function outcomeOf(document: CommitmentDocument): WriteOutcome {
  return {
    status: document.status,
    version: document.version,
    parties: document.parties.map((party) => `${party.profileId}:${party.role}`).sort(),
    documents: document.documents.map((entry) => `${entry.name}@${entry.version}:${entry.url}`).sort(),
  };
}

function diffsOf(control: WriteOutcome | null, candidate: WriteOutcome | null, field: string): PathDiff[] {
  if (control === null || candidate === null)
    return control === candidate ? [] : [{ path: field, control, candidate }];
  const diffs: PathDiff[] = [];
  for (const key of ['status', 'version', 'parties', 'documents'] as const) {
    if (JSON.stringify(control[key]) !== JSON.stringify(candidate[key]))
      diffs.push({ path: `${field}.${key}`, control: control[key], candidate: candidate[key] });
  }
  return diffs;
}

/**
 * The shadow observation of a mirrored write (stages `shadow` and `live`): the
 * commitment's outcome on the side that was mirrored to (status, version, parties,
 * documents) against the authoritative side's, after the mirror. A change the
 * other side did not take is a candidate error. Null in stages without shadowing.
 */
export async function observeMirroredWrite(
  deps: { legacyDb: Database; ledger: Ledger },
  outcome: MirrorOutcome,
): Promise<Observation | null> {
  const { write } = outcome;
  const candidateSide = shadowSide(write.stage);
  if (candidateSide === null) return null;
  const base = {
    at: new Date().toISOString(),
    unit: write.unit,
    stage: write.stage,
    control: writeSide(write.stage),
    cohort: null,
    userHash: null,
    operationName: null,
    clientName: null,
    clientVersion: null,
    query: null,
    variables: null,
    controlMs: null,
    candidateMs: outcome.ms,
    controlError: null,
    // Every mirrored write is compared: nothing is sampled.
    sampleRate: 1,
    items: 1,
  } satisfies Partial<Observation>;
  if (outcome.error !== null)
    return { ...base, outcome: 'candidate_error', diffs: [], candidateError: outcome.error };
  const [legacy, ledger] = await Promise.all([
    readLegacyCommitment(deps.legacyDb, outcome.entityId),
    deps.ledger.current<CommitmentDocument>(COMMITMENTS, outcome.entityId),
  ]);
  const sides = {
    legacy: legacy === null ? null : outcomeOf(legacy),
    target: ledger === null ? null : outcomeOf(ledger.data),
  };
  const field = write.unit.slice('Mutation.'.length);
  const diffs = diffsOf(sides[readSide(write.stage)], sides[candidateSide], field);
  return { ...base, outcome: diffs.length === 0 ? 'matched' : 'mismatched', diffs, candidateError: null };
}
