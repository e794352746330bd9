// The shadow-diff page's entry module: reads ?token= and ?since=, loads the report and
// the series, and wires the period picker, the table rows and the copy button.
import { createShadowApi } from './fetchShadowApi.js';
import { createObservationDrilldown } from './observationDrilldown.js';
import { byId } from './pageElements.js';
import { hideError, showError, showStatus } from './pageStatus.js';
import { renderMismatchChart } from './renderMismatchChart.js';
import { renderPromotionCheck } from './renderPromotionCheck.js';
import { markSelectedRows, renderReportTable } from './renderReportTable.js';

const SINCE_MS: Readonly<Record<string, number>> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 };
const BUCKETS = 24;

const params = new URLSearchParams(location.search);
const api = createShadowApi(params.get('token'));
const drilldown = createObservationDrilldown(api, markSelectedRows);
const sinceSelect = byId('since', HTMLSelectElement);
let loadTicket = 0;

async function load() {
  const mine = ++loadTicket;
  const since = new Date(Date.now() - (SINCE_MS[sinceSelect.value] ?? 86_400_000)).toISOString();
  showStatus('Loading…');
  hideError();
  try {
    // The promotion check failing (no flags loaded yet) is shown in its section, not as the page's error.
    const promotion = api
      .promotion(since)
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    const [report, series] = await Promise.all([api.report(since), api.series(since, BUCKETS)]);
    // A later choice of period superseded this load: its answers are stale.
    if (mine !== loadTicket) return;
    renderReportTable(report, drilldown.selectedUnit, (unit) => void drilldown.selectUnit(unit));
    renderMismatchChart(series.series);
    const check = await promotion;
    if (mine !== loadTicket) return;
    renderPromotionCheck(check);
    showStatus('');
    document.body.setAttribute('data-loaded', 'true');
  } catch (error) {
    if (mine === loadTicket) showError(error);
  }
}

const requested = params.get('since') ?? '';
if (Object.hasOwn(SINCE_MS, requested)) sinceSelect.value = requested;
sinceSelect.addEventListener('change', () => void load());
byId('copy-curl').addEventListener('click', () => void drilldown.copyReplayCommand());
void load();
