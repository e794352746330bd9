import { formatPercent } from '../reports/formatPercent.ts';
import type {
  DivergentRow,
  QueuedChanges,
  ReconcileProgress,
  ReconcileResult,
} from '../writes/reconcile/reconcileTypes.ts';

const TARGET_OF = {
  commitments: 'the ledger',
  profiles: 'the OLTP service',
  'commitment-types': 'the OLTP service',
};

/** A progress bar redrawn in place on a terminal; nothing at all elsewhere, so piped output stays the report. */
export function reconcileProgressBar(stream: NodeJS.WriteStream = process.stdout) {
  const interactive = stream.isTTY === true;
  let drawn = false;
  return {
    update(progress: ReconcileProgress) {
      if (!interactive) return;
      const width = 30;
      const done = progress.total === 0 ? width : Math.round((progress.read / progress.total) * width);
      const bar = `${'#'.repeat(Math.min(width, done))}${'.'.repeat(Math.max(0, width - done))}`;
      stream.write(
        `\r${progress.entity} [${bar}] ${progress.read}/${progress.total} rows  divergent ${progress.divergent}`,
      );
      drawn = true;
    },
    /** Ends the bar's line, if one was drawn. */
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

function rowLines(rows: readonly DivergentRow[], target: string): string[] {
  return rows.map((row) => {
    const what =
      row.missingOn === 'target'
        ? `missing on ${target}`
        : row.missingOn === 'legacy'
          ? 'missing on legacy'
          : row.fields.join(', ');
    return `  ${row.id}  ${what}`;
  });
}

// One line when a change waits in the mirror's queues (or is a dead letter there), so
// the operator can tell a difference the mirror has not caught up with yet from a real one.
function queuedLine(queued: QueuedChanges): string[] {
  const { toTarget, toLegacy } = queued;
  const dead = toTarget.dead + toLegacy.dead;
  if (toTarget.pending + toLegacy.pending + dead === 0) return [];
  const letters = dead === 0 ? '' : ` (${dead} dead ${dead === 1 ? 'letter' : 'letters'})`;
  return [
    `Still queued: ${toTarget.pending} ${toTarget.pending === 1 ? 'change' : 'changes'} to the target, ` +
      `${toLegacy.pending} to legacy${letters}: a divergent row may only be waiting for the mirror; ` +
      'run figway sync status',
  ];
}

/**
 * The report of a reconcile run: divergent rows with their fields, the authority, the
 * repair, the summary, the verdict, and what is still queued in the mirror, if anything.
 */
export function formatReconcile(result: ReconcileResult): string {
  const target = TARGET_OF[result.entity];
  const out: string[] = [];
  const listed = result.repair?.before.rows ?? result.rows;
  out.push(
    listed.length === 0
      ? `No divergent ${result.entity} between legacy and ${target}.`
      : `${listed.length} divergent ${listed.length === 1 ? 'row' : 'rows'} between legacy and ${target}:`,
    ...rowLines(listed, target),
  );
  const { authority } = result;
  out.push(`Authority: ${authority.side === 'legacy' ? 'legacy' : target} (${authority.reason}).`);
  if (result.repair !== undefined) {
    const { repaired, unrepaired, conflictsResolved } = result.repair;
    out.push(
      `Repair: ${repaired.length} repaired from ${authority.side === 'legacy' ? 'legacy' : target}, ` +
        `${unrepaired.length} left, ${conflictsResolved} sync ${conflictsResolved === 1 ? 'conflict' : 'conflicts'} resolved.`,
      ...unrepaired.map((row) => `  left ${row.id}: ${row.reason}`),
    );
    if (result.rows.length > 0)
      out.push('Still divergent after the repair:', ...rowLines(result.rows, target));
  }
  out.push(
    `${result.entity}: compared ${result.compared}, divergent ${result.divergent} ` +
      `(missing on ${target} ${result.missingOnTarget}, on legacy ${result.missingOnLegacy}), ` +
      `${formatPercent(result.divergenceRate)} divergent (threshold ${formatPercent(result.threshold)}), ` +
      `${result.chunks} ${result.chunks === 1 ? 'chunk' : 'chunks'} (${result.chunksDiffering} narrowed down)`,
    `Verdict: ${result.verdict}`,
    // Absent from a result of a gateway older than this command.
    ...(result.queued === undefined ? [] : queuedLine(result.queued)),
  );
  return `${out.join('\n')}\n`;
}
