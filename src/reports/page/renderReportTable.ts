import type { ShadowReport, UnitCohortReport, Verdict } from '../shadowReportTypes.js';
import { count, millis, percent, when } from './formatValues.js';
import { breakableName, byId, clear, el, labelCells } from './pageElements.js';

const VERDICTS: readonly Verdict[] = ['ready', 'hold', 'rollback'];

function latencyCell(row: UnitCohortReport) {
  const line = (name: string, control: number | null, candidate: number | null) =>
    el('div', { class: 'latency' }, [
      el('span', { class: 'muted' }, [`${name} `]),
      `${millis(control)} / ${millis(candidate)}`,
    ]);
  return el('td', { class: 'number' }, [
    line('p50', row.controlLatency.p50, row.candidateLatency.p50),
    line('p99', row.controlLatency.p99, row.candidateLatency.p99),
  ]);
}

function verdictCell(row: UnitCohortReport) {
  const verdict = VERDICTS.includes(row.verdict) ? row.verdict : 'unknown';
  return el('td', { class: 'verdict' }, [
    el('span', { class: `badge badge-${verdict}`, 'data-testid': 'verdict', 'data-verdict': verdict }, [
      String(row.verdict),
    ]),
    el('div', { class: 'reason', 'data-testid': 'verdict-reason' }, [row.reason]),
  ]);
}

function exampleTitle(example: UnitCohortReport['topPaths'][number]['example']): string {
  const item = example.id === undefined ? '' : `, item ${example.id}`;
  return `e.g. observation #${example.observationId}${item}`;
}

function topPathsCell(row: UnitCohortReport) {
  const items = row.topPaths.map((entry) =>
    el('li', { title: exampleTitle(entry.example) }, [
      ...breakableName(entry.path),
      ` ×${count(entry.count)}`,
    ]),
  );
  return el('td', { class: 'top-paths' }, [items.length === 0 ? '–' : el('ul', { class: 'paths' }, items)]);
}

function samplesCell(row: UnitCohortReport) {
  const estimate = `about ${count(Math.round(row.comparisons))} comparisons in the traffic, ${count(row.items)} values compared`;
  return el('td', { class: 'number', 'data-testid': 'samples', title: estimate }, [count(row.samples)]);
}

// The row opens the drill-down below (aria-controls), so it says whether that shows its unit.
function unitRow(row: UnitCohortReport, onSelect: (unit: string) => void) {
  const tr = el(
    'tr',
    {
      class: 'unit-row',
      tabindex: '0',
      'aria-expanded': 'false',
      'aria-controls': 'drilldown',
      'data-testid': 'unit-row',
      'data-unit': row.unit,
      'data-cohort': row.cohort,
      title: `Show the mismatched observations of ${row.unit}`,
    },
    [
      el('td', { class: 'unit' }, breakableName(row.unit)),
      el('td', {}, [row.cohort]),
      samplesCell(row),
      el('td', { class: 'number', 'data-testid': 'effective-rate' }, [percent(row.effectiveSampleRate)]),
      el('td', { class: 'number' }, [percent(row.mismatchRate)]),
      el('td', { class: 'number' }, [percent(row.noiseRate)]),
      el('td', { class: 'number' }, [percent(row.candidateErrorRate)]),
      el('td', { class: 'number' }, [percent(row.timeoutRate)]),
      latencyCell(row),
      verdictCell(row),
      topPathsCell(row),
    ],
  );
  tr.addEventListener('click', () => onSelect(row.unit));
  tr.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    onSelect(row.unit);
  });
  return tr;
}

/** Marks the rows of `unit` (every cohort) as selected and expanded (their mismatches are listed), and no others. */
export function markSelectedRows(unit: string | null): void {
  for (const tr of document.querySelectorAll('tr.unit-row')) {
    const selected = tr.getAttribute('data-unit') === unit;
    tr.classList.toggle('selected', selected);
    tr.setAttribute('aria-expanded', String(selected));
  }
}

/**
 * Fills the report table with a row per unit and cohort (samples run, the effective
 * sample rate, the rates weighted by 1/sample rate, latencies, the verdict badge and its
 * reason, the top differing paths); clicking a row, or Enter or
 * Space on it, calls `onSelect` with its unit. Rows of `selectedUnit` are marked.
 */
export function renderReportTable(
  report: ShadowReport,
  selectedUnit: string | null,
  onSelect: (unit: string) => void,
): void {
  const body = byId('report-body');
  clear(body);
  byId('generated').textContent =
    `Observations since ${when(report.since)}, generated ${when(report.generatedAt)}.`;
  if (report.units.length === 0) {
    body.append(
      el('tr', {}, [el('td', { colspan: '11', class: 'muted' }, ['No observations in this period.'])]),
    );
    return;
  }
  for (const row of report.units) body.append(unitRow(row, onSelect));
  const table = body.closest('table');
  if (table !== null) labelCells(table);
  markSelectedRows(selectedUnit);
}
