import type { ObservationRow } from '../shadowReportTypes.js';
import { count, json, millis, percent, when } from './formatValues.js';
import { append, byId, type Child, clear, el } from './pageElements.js';
import { type ObservationSides, replayCommand, sideNames } from './replayCommand.js';

// A comparison sampled at rate r stands for 1/r comparisons of the traffic.
function weightOf(sampleRate: number): string {
  if (!(sampleRate > 0)) return 'an unknown number of comparisons';
  const weight = Number((1 / sampleRate).toPrecision(3));
  return `${weight} comparison${weight === 1 ? '' : 's'}`;
}

function metaRows(observation: ObservationRow, sides: ObservationSides): Child[] {
  const client = observation.clientName
    ? observation.clientName + (observation.clientVersion ? ` ${observation.clientVersion}` : '')
    : '–';
  const rows: Array<[string, string]> = [
    ['Observed', when(observation.at, true)],
    ['Unit', observation.unit],
    ['Stage', observation.stage],
    ['Control', `${sides.control} (served the response)`],
    ['Candidate', sides.candidate],
    ['Cohort', observation.cohort ?? 'none'],
    ['Client', client],
    ['Outcome', observation.outcome],
    ['Items', `${count(observation.items)} value${observation.items === 1 ? '' : 's'} compared`],
    ['Sample rate', `${percent(observation.sampleRate)} (stands for ${weightOf(observation.sampleRate)})`],
    ['Latency', `control ${millis(observation.controlMs)} · candidate ${millis(observation.candidateMs)}`],
  ];
  if (observation.controlError) rows.push(['Control error', observation.controlError]);
  if (observation.candidateError) rows.push(['Candidate error', observation.candidateError]);
  return rows.flatMap(([name, value]) => [el('dt', {}, [name]), el('dd', {}, [value])]);
}

function diffRow(diff: ObservationRow['diffs'][number]): HTMLTableRowElement {
  return el('tr', { 'data-testid': 'diff-row', 'data-path': diff.path, 'data-id': diff.id ?? '' }, [
    el('td', { class: 'path' }, [diff.path]),
    el('td', { class: 'item-id', 'data-testid': 'diff-id' }, [diff.id ?? '–']),
    el('td', {}, [
      el('pre', { class: 'control-value', 'data-testid': 'control-value' }, [json(diff.control)]),
    ]),
    el('td', {}, [
      el('pre', { class: 'candidate-value', 'data-testid': 'candidate-value' }, [json(diff.candidate)]),
    ]),
  ]);
}

function renderReplay(observation: ObservationRow, sides: ObservationSides): void {
  const replayable = typeof observation.query === 'string' && observation.query !== '';
  byId('curl').textContent = replayable ? replayCommand(observation, location.origin) : '';
  byId('copy-curl').hidden = !replayable;
  byId('curl-note').textContent = replayable
    ? `Replays the operation with ${sides.candidate} serving ${observation.unit} ` +
      '(needs a service_role token in $ADMIN_TOKEN; forcing a stage is ignored for anyone else).'
    : 'The query of this observation was not stored, so it cannot be replayed.';
}

/**
 * Shows one observation in `#diff`: its facts (sides, cohort, client, outcome, values
 * compared, sample rate, latencies, errors), each differing value with its path, the id
 * of its list item and the control and candidate values side by side, the operation,
 * its variables, and the curl command that replays it with the candidate serving.
 */
export function renderObservationDiff(observation: ObservationRow): void {
  const sides = sideNames(observation);
  const operation = observation.operationName ? ` (${observation.operationName})` : '';
  byId('diff-title').textContent = `Observation #${observation.id}${operation}`;
  const meta = byId('diff-meta');
  clear(meta);
  append(meta, metaRows(observation, sides));
  byId('control-head').textContent = `Control (${sides.control})`;
  byId('candidate-head').textContent = `Candidate (${sides.candidate})`;
  const body = byId('diff-body');
  clear(body);
  if (observation.diffs.length === 0)
    body.append(
      el('tr', {}, [el('td', { colspan: '4', class: 'muted' }, ['No differing path was recorded.'])]),
    );
  for (const diff of observation.diffs) body.append(diffRow(diff));
  byId('diff-query').textContent = observation.query ?? '(the query was not stored)';
  byId('diff-variables').textContent = json(observation.variables ?? {});
  renderReplay(observation, sides);
  byId('diff').hidden = false;
}
