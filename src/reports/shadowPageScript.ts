import { observationDiffScript } from './observationDiffScript.ts';
import { shadowChartScript } from './shadowChartScript.ts';

// Browser code, kept as a string because the page is one self-contained document with no
// build step. A part that writes a backslash must be a String.raw template, or '\n' becomes
// a line break inside a JS string literal. Every value from the API reaches the DOM through
// createTextNode or setAttribute, never innerHTML.
const core = `
const params = new URLSearchParams(location.search);
const token = params.get('token');
const SINCE_MS = { '1h': 3600000, '24h': 86400000, '7d': 604800000 };
const BUCKETS = 24;
const VERDICTS = ['ready', 'hold', 'rollback'];
const state = { load: 0, unit: null, observation: 0 };

function byId(id) { return document.getElementById(id); }

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

function el(tag, attributes, children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
  return append(node, children || []);
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

function percent(rate) {
  if (typeof rate !== 'number' || !Number.isFinite(rate)) return '–';
  const value = rate * 100;
  return (value !== 0 && value < 1 ? value.toFixed(3) : value.toFixed(2)) + '%';
}

function millis(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  return String(value < 100 ? Math.round(value * 10) / 10 : Math.round(value)) + ' ms';
}

function count(value) { return typeof value === 'number' ? value.toLocaleString('en') : '–'; }

function json(value) {
  if (value === undefined) return 'undefined';
  try { return JSON.stringify(value, null, 2); } catch { return String(value); }
}

function when(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

function showStatus(text) { byId('status').textContent = text; }

function showError(error) {
  const box = byId('error');
  box.textContent = error instanceof Error ? error.message : String(error);
  box.hidden = false;
  showStatus('');
}

function hideError() { byId('error').hidden = true; }

async function api(path, query) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) if (value != null) search.set(name, value);
  const url = path + (search.size > 0 ? '?' + search.toString() : '');
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = 'Bearer ' + token;
  const response = await fetch(url, { headers, credentials: 'same-origin' });
  const text = await response.text();
  let body = null;
  try { body = text === '' ? null : JSON.parse(text); } catch { body = null; }
  if (!response.ok) {
    const detail = body && body.error ? (body.error.message || body.error) : text.slice(0, 200);
    const hint = response.status === 401 || response.status === 403
      ? ' Open this page with ?token=<service_role JWT>.' : '';
    throw new Error('GET ' + path + ' answered ' + response.status + ': ' + detail + hint);
  }
  return body;
}

// The list endpoints answer a bare array or an object holding it ({ series }, { observations }).
function listOf(body, key) {
  if (Array.isArray(body)) return body;
  return body && Array.isArray(body[key]) ? body[key] : [];
}

function latencyCell(control, candidate) {
  return el('td', { class: 'number' }, [millis(control) + ' / ' + millis(candidate)]);
}

function verdictCell(row) {
  const verdict = VERDICTS.includes(row.verdict) ? row.verdict : 'unknown';
  return el('td', { class: 'verdict' }, [
    el('span', { class: 'badge badge-' + verdict, 'data-testid': 'verdict', 'data-verdict': verdict }, [
      String(row.verdict),
    ]),
    el('div', { class: 'reason', 'data-testid': 'verdict-reason' }, [String(row.reason || '')]),
  ]);
}

function topPathsCell(row) {
  const items = (row.topPaths || []).map((entry) =>
    el('li', { title: 'e.g. observation #' + entry.example.observationId }, [entry.path + ' ×' + count(entry.count)]));
  return el('td', {}, [items.length === 0 ? '–' : el('ul', { class: 'paths' }, items)]);
}

function unitRow(row) {
  const dropped = row.dropped > 0 ? ' (+' + count(row.dropped) + ' dropped)' : '';
  const tr = el('tr', {
    class: 'unit-row', tabindex: '0', 'data-testid': 'unit-row', 'data-unit': row.unit, 'data-cohort': row.cohort,
    title: 'Show the mismatched observations of ' + row.unit,
  }, [
    el('td', { class: 'unit' }, [row.unit]),
    el('td', {}, [row.cohort]),
    el('td', { class: 'number' }, [count(row.samples) + dropped]),
    el('td', { class: 'number' }, [percent(row.mismatchRate)]),
    el('td', { class: 'number' }, [percent(row.noiseRate)]),
    el('td', { class: 'number' }, [percent(row.candidateErrorRate)]),
    el('td', { class: 'number' }, [percent(row.timeoutRate)]),
    latencyCell(row.controlLatency && row.controlLatency.p50, row.candidateLatency && row.candidateLatency.p50),
    latencyCell(row.controlLatency && row.controlLatency.p99, row.candidateLatency && row.candidateLatency.p99),
    verdictCell(row),
    topPathsCell(row),
  ]);
  const open = () => selectUnit(row.unit);
  tr.addEventListener('click', open);
  tr.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); open(); }
  });
  return tr;
}

function renderReport(report) {
  const body = byId('report-body');
  clear(body);
  byId('generated').textContent =
    'Observations since ' + when(report.since) + ', generated ' + when(report.generatedAt) + '.';
  if (!report.units || report.units.length === 0) {
    body.append(el('tr', {}, [el('td', { colspan: '11', class: 'muted' }, ['No observations in this period.'])]));
    return;
  }
  for (const row of report.units) body.append(unitRow(row));
  markSelectedRows();
}

function markSelectedRows() {
  for (const tr of document.querySelectorAll('tr.unit-row')) {
    const selected = tr.getAttribute('data-unit') === state.unit;
    tr.classList.toggle('selected', selected);
    tr.setAttribute('aria-selected', String(selected));
  }
}

async function load() {
  const ticket = ++state.load;
  const since = new Date(Date.now() - SINCE_MS[byId('since').value]).toISOString();
  showStatus('Loading…');
  hideError();
  try {
    const [report, series] = await Promise.all([
      api('/admin/api/shadow/report', { since }),
      api('/admin/api/shadow/series', { since, buckets: String(BUCKETS) }),
    ]);
    if (ticket !== state.load) return;
    renderReport(report);
    renderChart(listOf(series, 'series'));
    showStatus('');
    document.body.setAttribute('data-loaded', 'true');
  } catch (error) {
    if (ticket === state.load) showError(error);
  }
}
`;

const main = `
const sinceSelect = byId('since');
if (Object.hasOwn(SINCE_MS, params.get('since') || '')) sinceSelect.value = params.get('since');
sinceSelect.addEventListener('change', load);
byId('copy-curl').addEventListener('click', copyCurl);
load();
`;

/** The page's script: helpers and the report table, the SVG chart, the drill-down, then start-up. */
export const shadowPageScript = `(() => {\n'use strict';\n${core}\n${shadowChartScript}\n${observationDiffScript}\n${main}\n})();\n`;
