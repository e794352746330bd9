/**
 * The stylesheet of the shadow-diff page, inlined into a `<style nonce>` element. The page's
 * CSP forbids `style` attributes, so everything visual lives here (the chart's colours are
 * SVG presentation attributes, which the CSP allows).
 */
export const shadowPageStyle = `
:root {
  color-scheme: light;
  --ink: #1d2330; --muted: #5b6474; --line: #d9dee7; --panel: #f6f8fb; --accent: #2457c5;
  --ready: #1b7f3b; --ready-bg: #e3f5e8; --hold: #8a5a00; --hold-bg: #fff2d6;
  --rollback: #b42318; --rollback-bg: #fde7e5;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink);
}
body { margin: 0; background: #fff; }
header {
  display: flex; align-items: center; gap: 16px; flex-wrap: wrap;
  padding: 12px 24px; border-bottom: 1px solid var(--line); background: var(--panel);
}
header h1 { font-size: 18px; margin: 0; flex: 1 1 auto; }
header label { color: var(--muted); }
select { font: inherit; padding: 2px 6px; }
main { padding: 16px 24px 48px; display: grid; gap: 24px; }
h2 { font-size: 15px; margin: 0 0 8px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
.muted { color: var(--muted); }
.error {
  border: 1px solid var(--rollback); background: var(--rollback-bg); color: var(--rollback);
  padding: 8px 12px; border-radius: 6px; margin: 0;
}
table { border-collapse: collapse; width: 100%; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; white-space: nowrap; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.unit, td.path { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
tr.unit-row { cursor: pointer; }
tr.unit-row:hover, tr.unit-row:focus { background: #eef3fd; outline: none; }
tr.unit-row.selected { background: #dfe8fb; }
.badge {
  display: inline-block; padding: 1px 8px; border-radius: 999px; font-weight: 600; font-size: 12px;
  text-transform: uppercase; letter-spacing: 0.03em;
}
.badge-ready { color: var(--ready); background: var(--ready-bg); }
.badge-hold { color: var(--hold); background: var(--hold-bg); }
.badge-rollback { color: var(--rollback); background: var(--rollback-bg); }
.badge-unknown { color: var(--muted); background: var(--panel); }
.reason { color: var(--muted); font-size: 12px; margin-top: 2px; max-width: 28em; }
.paths { margin: 0; padding: 0; list-style: none; font-size: 12px; }
.paths li { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
#chart svg { width: 100%; max-width: 960px; height: auto; display: block; }
#chart .axis { stroke: var(--muted); }
#chart .grid { stroke: var(--line); }
#chart text { font-size: 11px; fill: var(--muted); }
#chart text.legend { fill: var(--ink); font-size: 12px; }
#drilldown { border-top: 1px solid var(--line); padding-top: 16px; }
.observations { list-style: none; margin: 0; padding: 0; display: grid; gap: 4px; max-width: 960px; }
.observations button {
  width: 100%; text-align: left; font: inherit; padding: 6px 10px; cursor: pointer;
  border: 1px solid var(--line); border-radius: 6px; background: #fff;
}
.observations button:hover, .observations li.selected button { border-color: var(--accent); background: #eef3fd; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; }
.diff td { width: 40%; }
.diff td.path { width: 20%; }
pre {
  margin: 0; padding: 6px 8px; background: var(--panel); border-radius: 4px;
  white-space: pre-wrap; word-break: break-word; font-size: 12px;
}
.control-value { border-left: 3px solid var(--accent); }
.candidate-value { border-left: 3px solid var(--hold); }
.curl { display: flex; gap: 8px; align-items: flex-start; }
.curl pre { flex: 1 1 auto; }
button.copy { font: inherit; padding: 4px 12px; cursor: pointer; }
`;
