import { SHADOW_PAGE_ASSETS_PATH, SHADOW_PAGE_ENTRY, SHADOW_PAGE_STYLESHEET } from './shadowPageAssets.ts';

/** Options for {@link renderShadowPage}. */
export interface ShadowPageOptions {
  /** The heading and document title. @default 'figway shadow diffs' */
  title?: string;
  /**
   * The CSP nonce put on the module `<script>` and the stylesheet `<link>` (the modules the
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
      item judged together), weighted by 1/sample rate.</p>
    <table data-testid="shadow-report-table">
      <thead>
        <tr>
          <th>Unit</th><th>Cohort</th><th class="number">Samples</th>
          <th class="number" title="Samples run over the comparisons estimated in the traffic">Eff. rate</th>
          <th class="number">Mismatch</th>
          <th class="number">Noise</th><th class="number">Candidate errors</th><th class="number">Timeouts</th>
          <th class="number">p50 control / candidate</th><th class="number">p99 control / candidate</th>
          <th>Verdict</th><th>Top differing paths</th>
        </tr>
      </thead>
      <tbody id="report-body"></tbody>
    </table>
  </section>
  <section aria-labelledby="chart-heading">
    <h2 id="chart-heading">Mismatch rate over time</h2>
    <div id="chart"></div>
  </section>
  <section id="drilldown" aria-labelledby="drill-heading" hidden>
    <h2 id="drill-heading">Recent mismatched observations of <span id="drill-unit"></span></h2>
    <ul class="observations" id="observations" data-testid="observation-list"></ul>
    <div id="diff" data-testid="diff-view" hidden>
      <h3 id="diff-title"></h3>
      <dl class="meta" id="diff-meta"></dl>
      <h3>Differing paths</h3>
      <table class="diff">
        <thead><tr><th>Path</th><th>Item id</th><th id="control-head">Control</th><th id="candidate-head">Candidate</th></tr></thead>
        <tbody id="diff-body"></tbody>
      </table>
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
 * from another origin) fetch `/admin/api/shadow/{report,series,observations,promotion}` and
 * show the rules moved to live or later without a ready verdict (their units' rows marked),
 * the per-unit-and-cohort verdicts, the mismatch rate over time, and a drill-down into
 * mismatched observations with a replay command. A `?token=` in the page's URL is sent as
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
<link rel="stylesheet"${nonce} href="${SHADOW_PAGE_ASSETS_PATH}${SHADOW_PAGE_STYLESHEET}">
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
