import { formatPercent } from './formatPercent.ts';
import type { Latency, PathCount, ShadowReport, UnitCohortReport } from './shadowReportTypes.ts';

/** Terminal width the report fits in. */
export const REPORT_COLUMNS = 80;

const VERDICT_LABELS = { ready: 'READY', hold: 'HOLD', rollback: 'ROLLBACK' } as const;

/** `text` cut to `max` characters, the end replaced by `…`. */
function shortenEnd(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** `text` cut to `max` characters in the middle, so a path keeps its root and its leaf. */
function shortenMiddle(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const head = Math.ceil((max - 1) / 2);
  const tail = max - 1 - head;
  return `${chars.slice(0, head).join('')}…${tail > 0 ? chars.slice(-tail).join('') : ''}`;
}

/** Words of `text` on lines of at most `REPORT_COLUMNS` characters, each starting with `indent`. */
function wrap(text: string, indent: string): string[] {
  const width = REPORT_COLUMNS - indent.length;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const fitted = shortenEnd(word, width);
    if (line === '') line = fitted;
    else if (Array.from(`${line} ${fitted}`).length <= width) line = `${line} ${fitted}`;
    else {
      lines.push(indent + line);
      line = fitted;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

/** `parts` on one line three spaces apart, or on as many lines as they need to fit. */
function columns(parts: string[]): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    const joined = line === '' ? `  ${part}` : `${line}   ${part}`;
    if (line !== '' && Array.from(joined).length > REPORT_COLUMNS) {
      lines.push(line);
      line = `  ${part}`;
    } else line = joined;
  }
  return line === '' ? lines : [...lines, line];
}

function milliseconds(value: number | null): string {
  if (value === null) return '-';
  return `${value < 10 ? value.toFixed(2) : value < 1000 ? value.toFixed(1) : Math.round(value)} ms`;
}

function latencyLine(side: string, latency: Latency): string {
  return `  ${side.padEnd(10)}p50 ${milliseconds(latency.p50).padEnd(12)}p99 ${milliseconds(latency.p99)}`;
}

function valueText(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

function pathLines(paths: PathCount[]): string[] {
  if (paths.length === 0) return [];
  const countWidth = Math.max(...paths.map((entry) => String(entry.count).length));
  const lines = ['  Top differing paths (observations, path, newest example):'];
  for (const entry of paths) {
    const example = `  (e.g. #${entry.example.observationId})`;
    const prefix = `    ${String(entry.count).padStart(countWidth)}  `;
    const room = REPORT_COLUMNS - prefix.length - example.length;
    lines.push(`${prefix}${shortenMiddle(entry.path, Math.max(room, 8))}${example}`);
    const valueIndent = ' '.repeat(prefix.length + 2);
    const itemId = entry.example.id === undefined ? [] : [['id', entry.example.id] as const];
    for (const [name, value] of [
      ...itemId,
      ['control', valueText(entry.example.control)],
      ['candidate', valueText(entry.example.candidate)],
    ] as const) {
      const label = `${valueIndent}${name.padEnd(10)}`;
      lines.push(`${label}${shortenEnd(value, REPORT_COLUMNS - label.length)}`);
    }
  }
  return lines;
}

function unitLines(unit: UnitCohortReport): string[] {
  const verdict = VERDICT_LABELS[unit.verdict];
  const title = shortenEnd(`${unit.unit}  cohort ${unit.cohort}`, REPORT_COLUMNS - verdict.length - 2);
  return [
    `${title.padEnd(REPORT_COLUMNS - verdict.length)}${verdict}`,
    ...columns([
      `samples ${unit.samples}`,
      `eff. rate ${formatPercent(unit.effectiveSampleRate)}`,
      `comparisons ${unit.effectiveSampleRate < 1 ? '≈' : ''}${Math.round(unit.comparisons)}`,
      `items ${unit.items}`,
    ]),
    ...columns([
      `mismatch ${formatPercent(unit.mismatchRate)}`,
      `noise ${formatPercent(unit.noiseRate)}`,
      `candidate errors ${formatPercent(unit.candidateErrorRate)}`,
      `timeouts ${formatPercent(unit.timeoutRate)}`,
    ]),
    latencyLine('control', unit.controlLatency),
    latencyLine('candidate', unit.candidateLatency),
    ...wrap(unit.reason, '  '),
    ...pathLines(unit.topPaths),
  ];
}

/** What the report's rates are, said once above the units. */
export const RATES_NOTE =
  'Rates are per comparison (one unit in one request, every list item judged together), ' +
  'weighted by 1/sample rate.';

/**
 * The shadow report as plain text for an 80-column terminal: a note on what the rates
 * are, then per unit and cohort the verdict, samples run, the effective sample rate,
 * the estimated comparisons, the values compared, the weighted outcome rates as
 * percentages, p50/p99 latency of control and candidate, the reason, and the top
 * differing paths with an example each. Long names, paths and values are shortened
 * with `…`; no line exceeds {@link REPORT_COLUMNS}.
 */
export function formatShadowReport(report: ShadowReport): string {
  const header = [`Shadow report: observations since ${report.since}`, `generated ${report.generatedAt}`, ''];
  if (report.units.length === 0) {
    return `${[
      ...header,
      ...wrap(
        'No shadow observations in that time. Units record them in the shadow and live stages, as users query them.',
        '',
      ),
    ].join('\n')}\n`;
  }
  const blocks = report.units.map((unit) => unitLines(unit).join('\n'));
  return `${[...header, ...wrap(RATES_NOTE, ''), ''].join('\n')}\n${blocks.join('\n\n')}\n`;
}
