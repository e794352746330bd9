import type { CandidateFailureGroup, ObservationRow } from '../shadowReportTypes.js';
import type { ObservationQuery, ShadowApi } from './fetchShadowApi.js';
import { observationSummary } from './observationSummary.js';
import { byId, clear, el } from './pageElements.js';
import { hideError, showError } from './pageStatus.js';
import { renderObservationDiff } from './renderObservationDiff.js';
import { copyReplayCommand } from './replayCopy.js';

const OBSERVATION_LIMIT = 50;

/** What the drill-down lists: a unit's mismatches, or the observations of one group of candidate failures. */
export type DrilldownSelection =
  | { kind: 'mismatches'; unit: string }
  | { kind: 'failures'; group: CandidateFailureGroup };

/** The drill-down below the report: the observations of a selection and the details of one. */
export interface ObservationDrilldown {
  /** What is listed, or null before the first selection. */
  readonly selection: DrilldownSelection | null;
  /** Lists the observations of `selection` in the page's period; clicking one shows its details. */
  select(selection: DrilldownSelection): Promise<void>;
  /** Lists the current selection again (the period changed), if there is one. */
  refresh(): Promise<void>;
  /** Copies the replay command to the clipboard, or selects it where no clipboard is offered. */
  copyReplayCommand(): Promise<void>;
}

const OUTCOME_NAMES = { candidate_error: 'candidate errors', timeout: 'timeouts' } as const;

function headingOf(selection: DrilldownSelection): string {
  if (selection.kind === 'mismatches') return `Mismatched observations of ${selection.unit}`;
  const { group } = selection;
  return `${OUTCOME_NAMES[group.outcome]} of ${group.unit} for cohort ${group.cohort}`.replace(/^./, (c) =>
    c.toUpperCase(),
  );
}

function queryOf(selection: DrilldownSelection, since: string): ObservationQuery {
  const common = { since, limit: OBSERVATION_LIMIT };
  if (selection.kind === 'mismatches') return { ...common, unit: selection.unit, outcome: 'mismatched' };
  const { unit, cohort, outcome, message } = selection.group;
  return { ...common, unit, cohort, outcome, message };
}

function emptyText(selection: DrilldownSelection): string {
  return selection.kind === 'mismatches'
    ? 'No mismatched observations of this unit in this period.'
    : 'No observations of this group are left in this period.';
}

/**
 * The drill-down over `api`, listing observations since `sinceOf()`. Every answer is
 * checked against a ticket, so a slow answer for an earlier selection or observation
 * never replaces the last one; `onSelected` runs as soon as something is chosen (to mark
 * its rows as expanded).
 */
export function createObservationDrilldown(
  api: ShadowApi,
  sinceOf: () => string,
  onSelected: (selection: DrilldownSelection) => void,
): ObservationDrilldown {
  let selection: DrilldownSelection | null = null;
  let ticket = 0;

  async function selectObservation(id: number, item: HTMLLIElement) {
    const mine = ++ticket;
    for (const other of byId('observations').children) {
      other.classList.toggle('selected', other === item);
      other.querySelector('button')?.setAttribute('aria-expanded', String(other === item));
    }
    hideError();
    try {
      const observation = await api.observation(id);
      if (mine === ticket) renderObservationDiff(observation);
    } catch (error) {
      if (mine === ticket) showError(error);
    }
  }

  function renderObservations(chosen: DrilldownSelection, rows: readonly ObservationRow[]) {
    const list = byId('observations');
    clear(list);
    if (rows.length === 0) list.append(el('li', { class: 'muted' }, [emptyText(chosen)]));
    for (const row of rows) {
      const attributes = {
        type: 'button',
        'aria-expanded': 'false',
        'aria-controls': 'diff',
        'data-testid': 'observation-button',
      };
      const button = el('button', attributes, [observationSummary(row)]);
      const item = el('li', { 'data-testid': 'observation-item', 'data-observation-id': row.id }, [button]);
      button.addEventListener('click', () => void selectObservation(row.id, item));
      list.append(item);
    }
  }

  async function list(chosen: DrilldownSelection) {
    const mine = ++ticket;
    const items = byId('observations');
    clear(items);
    items.append(el('li', { class: 'muted' }, ['Loading…']));
    hideError();
    try {
      const answer = await api.observations(queryOf(chosen, sinceOf()));
      if (mine === ticket) renderObservations(chosen, answer.observations);
    } catch (error) {
      if (mine !== ticket) return;
      clear(items);
      showError(error);
    }
  }

  async function select(chosen: DrilldownSelection) {
    selection = chosen;
    onSelected(chosen);
    byId('drilldown').hidden = false;
    byId('drill-heading').textContent = headingOf(chosen);
    byId('drill-message').textContent = chosen.kind === 'failures' ? chosen.group.message : '';
    byId('diff').hidden = true;
    await list(chosen);
    byId('drilldown').scrollIntoView({ block: 'nearest' });
  }

  return {
    get selection() {
      return selection;
    },
    select,
    refresh: () => (selection === null ? Promise.resolve() : list(selection)),
    copyReplayCommand,
  };
}
