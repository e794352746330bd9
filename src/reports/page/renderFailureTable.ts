import type { CandidateFailureGroup, CandidateFailures } from '../shadowReportTypes.js';
import { count, percent, when } from './formatValues.js';
import { breakableName, byId, clear, el } from './pageElements.js';

const OUTCOME_LABELS = { candidate_error: 'candidate error', timeout: 'timeout' } as const;

/** The key a failure group is told apart by on the page (and in `data-group`). */
export function failureGroupKey(group: CandidateFailureGroup): string {
  return JSON.stringify([group.unit, group.cohort, group.outcome, group.message]);
}

function messageCell(group: CandidateFailureGroup, onSelect: (group: CandidateFailureGroup) => void) {
  const button = el(
    'button',
    {
      type: 'button',
      class: 'group-button',
      'aria-expanded': 'false',
      'aria-controls': 'drilldown',
      'data-testid': 'failure-group',
      title: `Show these ${OUTCOME_LABELS[group.outcome]}s`,
    },
    [group.message],
  );
  button.addEventListener('click', () => onSelect(group));
  const example = group.example.message;
  return el('td', { class: 'message' }, [
    button,
    example === null || example === group.message
      ? null
      : el('div', { class: 'reason', 'data-testid': 'failure-example' }, [
          `e.g. #${group.example.observationId}: ${example}`,
        ]),
  ]);
}

function groupRow(group: CandidateFailureGroup, onSelect: (group: CandidateFailureGroup) => void) {
  const estimate = `about ${count(Math.round(group.comparisons))} comparisons in the traffic`;
  return el(
    'tr',
    {
      class: 'failure-row',
      'data-testid': 'failure-row',
      'data-group': failureGroupKey(group),
      // Not data-unit and data-cohort: those find the report's rows.
      'data-failure-unit': group.unit,
      'data-failure-cohort': group.cohort,
      'data-outcome': group.outcome,
    },
    [
      el('td', { class: 'unit' }, breakableName(group.unit)),
      el('td', {}, [group.cohort]),
      el('td', { 'data-testid': 'failure-outcome' }, [OUTCOME_LABELS[group.outcome]]),
      messageCell(group, onSelect),
      el('td', { class: 'number', 'data-testid': 'failure-samples', title: estimate }, [
        count(group.samples),
      ]),
      el('td', { class: 'number', 'data-testid': 'failure-rate' }, [percent(group.rate)]),
      el('td', { class: 'when', title: `first seen ${when(group.firstAt)}` }, [when(group.lastAt)]),
    ],
  );
}

/** Marks the group with `key` as selected and expanded (its observations are listed), and no other. */
export function markSelectedFailure(key: string | null): void {
  for (const tr of document.querySelectorAll('tr.failure-row')) {
    const selected = tr.getAttribute('data-group') === key;
    tr.classList.toggle('selected', selected);
    tr.querySelector('button.group-button')?.setAttribute('aria-expanded', String(selected));
  }
}

/**
 * Fills the table of candidate errors and timeouts (`GET /admin/api/shadow/failures`): a row
 * per unit, cohort, outcome and message key, with the samples, the share of the unit and
 * cohort's comparisons (weighted by 1/sample rate, as the report's rates) and when it was
 * last seen; the message is a button that calls `onSelect` to list the group's observations.
 */
export function renderFailureTable(
  failures: CandidateFailures,
  selectedKey: string | null,
  onSelect: (group: CandidateFailureGroup) => void,
): void {
  const body = byId('failure-body');
  clear(body);
  if (failures.groups.length === 0) {
    const text = 'No candidate errors or timeouts in this period.';
    body.append(el('tr', {}, [el('td', { colspan: '7', class: 'muted' }, [text])]));
    return;
  }
  for (const group of failures.groups) body.append(groupRow(group, onSelect));
  if (failures.truncated) {
    const text = `Only the first ${failures.groups.length} groups are shown: choose a shorter period or a unit.`;
    body.append(el('tr', {}, [el('td', { colspan: '7', class: 'muted', 'data-truncated': '' }, [text])]));
  }
  markSelectedFailure(selectedKey);
}
