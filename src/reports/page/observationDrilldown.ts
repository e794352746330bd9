import type { ObservationRow } from '../shadowReportTypes.js';
import type { ShadowApi } from './fetchShadowApi.js';
import { when } from './formatValues.js';
import { byId, clear, el } from './pageElements.js';
import { hideError, showError } from './pageStatus.js';
import { renderObservationDiff } from './renderObservationDiff.js';

const OBSERVATION_LIMIT = 50;
const COPY_LABEL_MS = 2000;

/** The drill-down below the report: a unit's mismatched observations and the diff of one. */
export interface ObservationDrilldown {
  /** The unit whose observations are listed, or null before the first selection. */
  readonly selectedUnit: string | null;
  /** Lists the recent mismatched observations of `unit`; clicking one shows its diff. */
  selectUnit(unit: string): Promise<void>;
  /** Copies the replay command to the clipboard, or selects it where no clipboard is offered. */
  copyReplayCommand(): Promise<void>;
}

// One observation may hold a diff per list item at the same path: each path is named once.
function observationSummary(row: ObservationRow): string {
  const paths = [...new Set(row.diffs.map((diff) => diff.path))];
  const shown = paths.slice(0, 3).join(', ') + (paths.length > 3 ? ', …' : '');
  const values = `${row.diffs.length} differing of ${row.items} compared`;
  return [
    `#${row.id}`,
    when(row.at),
    row.cohort ?? 'no cohort',
    row.operationName ?? 'anonymous operation',
    row.stage,
    paths.length === 0 ? 'no differing path' : `${values}: ${shown}`,
  ].join(' · ');
}

// No async clipboard outside secure contexts (plain http to a remote host): select the text for Ctrl+C.
function selectText(node: Node): void {
  const range = document.createRange();
  range.selectNodeContents(node);
  const selection = window.getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
}

/**
 * The drill-down over `api`. Every answer is checked against a ticket, so a slow answer
 * for a unit or observation selected earlier never replaces the one selected last;
 * `onUnitSelected` runs as soon as a unit is chosen (to mark its rows in the table).
 */
export function createObservationDrilldown(
  api: ShadowApi,
  onUnitSelected: (unit: string) => void,
): ObservationDrilldown {
  let selectedUnit: string | null = null;
  let ticket = 0;

  async function selectObservation(id: number, item: HTMLLIElement) {
    const mine = ++ticket;
    for (const other of byId('observations').children) other.classList.toggle('selected', other === item);
    hideError();
    try {
      const observation = await api.observation(id);
      if (mine === ticket) renderObservationDiff(observation);
    } catch (error) {
      if (mine === ticket) showError(error);
    }
  }

  function renderObservations(rows: readonly ObservationRow[]) {
    const list = byId('observations');
    clear(list);
    if (rows.length === 0) {
      list.append(el('li', { class: 'muted' }, ['No mismatched observations of this unit are stored.']));
      return;
    }
    for (const row of rows) {
      const button = el('button', { type: 'button' }, [observationSummary(row)]);
      const item = el('li', { 'data-testid': 'observation-item', 'data-observation-id': row.id }, [button]);
      button.addEventListener('click', () => void selectObservation(row.id, item));
      list.append(item);
    }
  }

  async function selectUnit(unit: string) {
    selectedUnit = unit;
    ticket++;
    onUnitSelected(unit);
    byId('drilldown').hidden = false;
    byId('drill-unit').textContent = unit;
    byId('diff').hidden = true;
    const list = byId('observations');
    clear(list);
    list.append(el('li', { class: 'muted' }, ['Loading…']));
    hideError();
    try {
      const answer = await api.mismatchedObservations(unit, OBSERVATION_LIMIT);
      if (selectedUnit === unit) renderObservations(answer.observations);
    } catch (error) {
      if (selectedUnit === unit) {
        clear(list);
        showError(error);
      }
    }
    byId('drilldown').scrollIntoView({ block: 'nearest' });
  }

  async function copyReplayCommand() {
    const pre = byId('curl');
    const button = byId('copy-curl');
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(pre.textContent ?? '');
        button.textContent = 'Copied';
      } else {
        selectText(pre);
        button.textContent = 'Selected: press Ctrl+C';
      }
    } catch (error) {
      button.textContent = 'Copy failed';
      showError(new Error(`Could not copy: ${error instanceof Error ? error.message : String(error)}`));
    }
    setTimeout(() => {
      button.textContent = 'Copy';
    }, COPY_LABEL_MS);
  }

  return {
    get selectedUnit() {
      return selectedUnit;
    },
    selectUnit,
    copyReplayCommand,
  };
}
