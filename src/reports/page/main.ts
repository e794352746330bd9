// The shadow-diff page's entry module: reads ?token= and ?since=, loads the report, the
// candidate failures, the rates and the promotion check, and wires the period picker, the
// rows that open the drill-down and the copy button.
import { createShadowApi } from './fetchShadowApi.js';
import { createObservationDrilldown, type DrilldownSelection } from './observationDrilldown.js';
import { byId } from './pageElements.js';
import { hideError, showError, showStatus } from './pageStatus.js';
import { failureGroupKey, markSelectedFailure, renderFailureTable } from './renderFailureTable.js';
import { renderPromotionCheck } from './renderPromotionCheck.js';
import { renderRateCharts } from './renderRateCharts.js';
import { markSelectedRows, renderReportTable } from './renderReportTable.js';

const SINCE_MS: Readonly<Record<string, number>> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 };

const params = new URLSearchParams(location.search);
const api = createShadowApi(params.get('token'));
const sinceSelect = byId('since', HTMLSelectElement);
let since = '';
let loadTicket = 0;

// The unit rows and the failure groups open the same drill-down: only the chosen one is expanded.
function markSelection(selection: DrilldownSelection | null): void {
  markSelectedRows(selection?.kind === 'mismatches' ? selection.unit : null);
  markSelectedFailure(selection?.kind === 'failures' ? failureGroupKey(selection.group) : null);
}

const drilldown = createObservationDrilldown(api, () => since, markSelection);

async function load() {
  const mine = ++loadTicket;
  since = new Date(Date.now() - (SINCE_MS[sinceSelect.value] ?? 86_400_000)).toISOString();
  showStatus('Loading…');
  hideError();
  try {
    // The promotion check failing (no flags loaded yet) is shown in its section, not as the page's error.
    const promotion = api
      .promotion(since)
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    const [report, failures, rates] = await Promise.all([
      api.report(since),
      api.failures(since),
      api.rates(since),
    ]);
    // A later choice of period superseded this load: its answers are stale.
    if (mine !== loadTicket) return;
    renderReportTable(report, null, (unit) => void drilldown.select({ kind: 'mismatches', unit }));
    renderFailureTable(failures, null, (group) => void drilldown.select({ kind: 'failures', group }));
    markSelection(drilldown.selection);
    renderRateCharts(rates);
    const check = await promotion;
    if (mine !== loadTicket) return;
    renderPromotionCheck(check);
    showStatus('');
    document.body.setAttribute('data-loaded', 'true');
    await drilldown.refresh();
  } catch (error) {
    if (mine === loadTicket) showError(error);
  }
}

const requested = params.get('since') ?? '';
if (Object.hasOwn(SINCE_MS, requested)) sinceSelect.value = requested;
sinceSelect.addEventListener('change', () => void load());
byId('copy-curl').addEventListener('click', () => void drilldown.copyReplayCommand());
void load();
