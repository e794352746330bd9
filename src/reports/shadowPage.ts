import { MESSAGE_KEY_RULES } from './failureMessageKey.ts';
import { SHADOW_PAGE_ASSETS_PATH, SHADOW_PAGE_ENTRY, SHADOW_PAGE_STYLESHEETS } from './shadowPageAssets.ts';

/** Options for {@link renderShadowPage}. */
export interface ShadowPageOptions {
  /** The heading and document title. @default 'figway shadow diffs' */
  title?: string;
  /**
   * The CSP nonce put on the module `<script>` and the stylesheet `<link>`s (the modules the
   * script imports inherit it); the server makes a new one per response. Without it the
   * elements carry no nonce (fine for a page served without a CSP). Throws when it is not
   * base64, since it is written into an attribute.
   */
  nonce?: string;
}

const DEFAULT_TITLE = 'figway shadow diffs';

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function nonceAttribute(nonce: string | undefined): string {
  if (nonce === undefined) return '';
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(nonce))
    throw new Error(`renderShadowPage: the nonce must be base64, got ${JSON.stringify(nonce)}.`);
  return ` nonce="${nonce}"`;
}

const BODY = `
<main>
  <p id="error" class="error" role="alert" data-testid="error" hidden></p>
  <section aria-labelledby="promotion-heading" data-testid="promotion-check">
    <h2 id="promotion-heading">Moved without evidence</h2>
    <p id="promotion-note" data-testid="promotion-note"></p>
    <ul class="promotion" id="promotion-list" data-testid="promotion-list"></ul>
  </section>
  <section aria-labelledby="units-heading">
    <h2 id="units-heading">Units by cohort</h2>
    <p class="muted" id="generated"></p>
    <p class="muted" data-testid="rates-note">Rates are per comparison (one unit in one request, every list
      item judged together), weighted by 1/sample rate. Choose a row to list its unit's mismatches.</p>
    <div class="table-frame">
    <table class="report" data-testid="shadow-report-table">
      <thead>
        <tr>
          <th scope="col">Unit</th><th scope="col">Cohort</th><th scope="col" class="number">Samples</th>
          <th scope="col" class="number" title="Samples run over the comparisons estimated in the traffic">Eff. rate</th>
          <th scope="col" class="number">Mismatch</th><th scope="col" class="number">Noise</th>
          <th scope="col" class="number">Candidate errors</th><th scope="col" class="number">Timeouts</th>
          <th scope="col" class="number">Latency, control / candidate</th>
          <th scope="col">Verdict</th><th scope="col">Top differing paths</th>
        </tr>
      </thead>
      <tbody id="report-body"></tbody>
    </table>
    </div>
  </section>
  <section aria-labelledby="failures-heading" data-testid="candidate-failures">
    <h2 id="failures-heading">Candidate errors and timeouts</h2>
    <p class="muted" data-testid="failures-note">Grouped by unit, cohort, outcome and message, where
      ${escapeHtml(MESSAGE_KEY_RULES)}, so the same error about different records is one group. Samples are the failed
      comparisons that ran; the share is of the unit and cohort's comparisons, weighted by 1/sample rate
      as the rates above (a unit and cohort's shares add up to its candidate-error or timeout rate).
      Choose a message to list its observations.</p>
    <div class="table-frame">
    <table class="failures" data-testid="failure-table">
      <thead>
        <tr>
          <th scope="col">Unit</th><th scope="col">Cohort</th><th scope="col">Outcome</th>
          <th scope="col">Message</th><th scope="col" class="number">Samples</th>
          <th scope="col" class="number">Share</th><th scope="col">Last seen</th>
        </tr>
      </thead>
      <tbody id="failure-body"></tbody>
    </table>
    </div>
  </section>
  <section aria-labelledby="chart-heading">
    <h2 id="chart-heading">Rates over time</h2>
    <p class="muted" id="chart-note" data-testid="chart-note"></p>
    <div id="chart"></div>
  </section>
  <section id="drilldown" aria-labelledby="drill-heading" hidden>
    <h2 id="drill-heading"></h2>
    <p class="drill-message" id="drill-message" data-testid="drill-message"></p>
    <ul class="observations" id="observations" data-testid="observation-list"></ul>
    <div id="diff" data-testid="diff-view" hidden>
      <h3 id="diff-title"></h3>
      <dl class="meta" id="diff-meta"></dl>
      <h3>Differing paths</h3>
      <div class="table-frame">
      <table class="diff">
        <thead><tr><th scope="col">Path</th><th scope="col">Item id</th><th scope="col" id="control-head">Control</th><th scope="col" id="candidate-head">Candidate</th></tr></thead>
        <tbody id="diff-body"></tbody>
      </table>
      </div>
      <h3>Operation</h3>
      <pre id="diff-query" data-testid="diff-query"></pre>
      <h3>Variables</h3>
      <pre id="diff-variables" data-testid="diff-variables"></pre>
      <h3>Replay the candidate</h3>
      <p class="muted" id="curl-note"></p>
      <div class="curl">
        <pre id="curl" data-testid="curl-command"></pre>
        <button type="button" class="copy" id="copy-curl" data-testid="copy-curl">Copy</button>
      </div>
    </div>
  </section>
</main>`;

/**
 * Renders the shadow-diff page: an HTML document whose browser modules and stylesheet
 * (src/reports/page/, served under {@link SHADOW_PAGE_ASSETS_PATH} by the same gateway, nothing
 * from another origin) fetch `/admin/api/shadow/{report,failures,rates,observations,promotion}`
 * and show the rules moved to live or later without a ready verdict (their units' rows
 * marked), the per-unit-and-cohort verdicts, the candidate errors and timeouts grouped by
 * message, the mismatch, error and timeout rates over time, and a drill-down into a unit's
 * mismatches or a failure group's observations with a replay command. A `?token=` in the page's URL is sent as
 * `Authorization: Bearer <token>` on those fetches; `?since=1h|24h|7d` picks the period.
 */
export function renderShadowPage(options: ShadowPageOptions = {}): string {
  const title = escapeHtml(options.title ?? DEFAULT_TITLE);
  const nonce = nonceAttribute(options.nonce);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${title}</title>
${SHADOW_PAGE_STYLESHEETS.map((name) => `<link rel="stylesheet"${nonce} href="${SHADOW_PAGE_ASSETS_PATH}${name}">`).join('\n')}
</head>
<body>
<header>
  <h1>${title}</h1>
  <label>Since
    <select id="since" data-testid="since">
      <option value="1h">last hour</option>
      <option value="24h" selected>last 24 hours</option>
      <option value="7d">last 7 days</option>
    </select>
  </label>
  <span id="status" class="muted" role="status"></span>
</header>
${BODY}
<script type="module"${nonce} src="${SHADOW_PAGE_ASSETS_PATH}${SHADOW_PAGE_ENTRY}"></script>
</body>
</html>
`;
}
