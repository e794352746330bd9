import type { StageLine } from './describeStrategy.ts';

/** What the table shows of a unit: its name and its lines' who, stage and whether they are ignored. */
export interface ListedUnit {
  unit: string;
  lines: ReadonlyArray<Pick<StageLine, 'who' | 'stage' | 'ignored'>>;
}

// The WHO column grows with its longest entry up to this; a longer one pushes its stage along.
const MAX_WHO = 64;

/**
 * `figway flags list` as text: the unit column as wide as the longest unit name, the WHO
 * column as wide as its longest entry (36 to 64 characters), two spaces at least between
 * columns; ignored rules are marked, with why under the table.
 */
export function formatUnitStages(units: readonly ListedUnit[]): string {
  const width = Math.max(32, ...units.map((unit) => unit.unit.length + 1));
  const whos = units.flatMap((unit) => unit.lines.map((line) => line.who.length + 2));
  const whoWidth = Math.min(MAX_WHO, Math.max(36, ...whos));
  const out = [`${'UNIT'.padEnd(width)}${'WHO'.padEnd(whoWidth)}STAGE`];
  let ignored = 0;
  for (const unit of units) {
    unit.lines.forEach((line, index) => {
      const stage = line.ignored === undefined ? line.stage : `${line.stage} (ignored)`;
      if (line.ignored !== undefined) ignored += 1;
      const who = line.who.length + 2 > whoWidth ? `${line.who}  ` : line.who.padEnd(whoWidth);
      out.push(`${(index === 0 ? unit.unit : '').padEnd(width)}${who}${stage}`);
    });
  }
  if (ignored > 0) {
    out.push(
      '',
      `${ignored} ${ignored === 1 ? 'rule is' : 'rules are'} ignored: Mutation units take one stage for everyone, ` +
        'so a rule that selects users, a cohort or a percentage never applies to them.',
    );
  }
  return `${out.join('\n')}\n`;
}
