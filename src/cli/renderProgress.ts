import type { BackfillProgress, BackfillSummary } from '../writes/backfill/backfillTypes.ts';

/** Draws backfill progress: a bar redrawn in place on a terminal, one plain line per batch otherwise. */
export function progressRenderer(stream: NodeJS.WriteStream = process.stdout) {
  const interactive = stream.isTTY === true;
  return {
    update(progress: BackfillProgress) {
      const counts = `written ${progress.written}  skipped ${progress.skipped}  failed ${progress.failed}`;
      if (!interactive) {
        stream.write(`${progress.job}: ${progress.read}/${progress.total} read, ${counts}\n`);
        return;
      }
      const width = 30;
      const done = progress.total === 0 ? width : Math.round((progress.read / progress.total) * width);
      const bar = `${'#'.repeat(done)}${'.'.repeat(Math.max(0, width - done))}`;
      stream.write(`\r${progress.job} [${bar}] ${progress.read}/${progress.total}  ${counts}`);
    },
    finish(summary: BackfillSummary) {
      if (interactive) stream.write('\n');
      const revisions = summary.job === 'commitments' ? `, ${summary.revisions} ledger revisions` : '';
      const state = summary.interrupted ? 'interrupted (run it again to resume)' : 'done';
      stream.write(
        `${summary.job} ${state}: read ${summary.read}, written ${summary.written}, skipped ${summary.skipped}, failed ${summary.failed}${revisions}\n`,
      );
      for (const failure of summary.failures) stream.write(`  failed ${failure.id}: ${failure.error}\n`);
    },
  };
}
