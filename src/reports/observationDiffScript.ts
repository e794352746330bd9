/**
 * Browser code for the drill-down: `selectUnit(unit)` lists the unit's recent mismatched
 * observations, clicking one fetches it and shows each differing path with the control and
 * candidate values side by side, the operation, its variables, both latencies, and a curl
 * command that replays the operation with the candidate forced to serve it (`copyCurl`).
 */
export const observationDiffScript = String.raw`
const OBSERVATION_LIMIT = 50;

function sideNames(observation) {
  const control = observation.control === 'target' ? 'target' : 'legacy';
  return { control, candidate: control === 'legacy' ? 'target' : 'legacy' };
}

// To see the candidate's answer, force the stage whose reads are served by the candidate's side.
function stageServedBy(side) { return side === 'target' ? 'live' : 'shadow'; }

function shellQuote(text) { return "'" + String(text).replace(/'/g, "'\\''") + "'"; }

function curlCommand(observation) {
  const stage = stageServedBy(sideNames(observation).candidate);
  const body = { query: observation.query, variables: observation.variables ?? {} };
  if (observation.operationName) body.operationName = observation.operationName;
  return [
    'curl -sS ' + shellQuote(location.origin + '/graphql'),
    "  -H 'content-type: application/json'",
    '  -H "Authorization: Bearer $ADMIN_TOKEN"',
    '  -H ' + shellQuote('x-figway-stage: ' + observation.unit + '=' + stage),
    '  --data-raw ' + shellQuote(JSON.stringify(body)),
  ].join(' \\\n');
}

async function selectUnit(unit) {
  state.unit = unit;
  state.observation++;
  markSelectedRows();
  byId('drilldown').hidden = false;
  byId('drill-unit').textContent = unit;
  byId('diff').hidden = true;
  const list = byId('observations');
  clear(list);
  list.append(el('li', { class: 'muted' }, ['Loading…']));
  hideError();
  try {
    const rows = await api('/admin/api/shadow/observations', {
      unit, outcome: 'mismatched', limit: String(OBSERVATION_LIMIT),
    });
    if (state.unit === unit) renderObservations(listOf(rows, 'observations'));
  } catch (error) {
    if (state.unit === unit) { clear(list); showError(error); }
  }
  byId('drilldown').scrollIntoView({ block: 'nearest' });
}

function observationSummary(row) {
  const paths = (row.diffs || []).map((diff) => diff.path);
  const shown = paths.slice(0, 3).join(', ') + (paths.length > 3 ? ', …' : '');
  return '#' + row.id + ' · ' + when(row.at) + ' · ' + (row.cohort ?? 'no cohort') + ' · ' +
    (row.operationName ?? 'anonymous operation') + ' · ' + row.stage + ' · ' +
    (paths.length === 0 ? 'no differing path' : paths.length + ' differing: ' + shown);
}

function renderObservations(rows) {
  const list = byId('observations');
  clear(list);
  if (rows.length === 0) {
    list.append(el('li', { class: 'muted' }, ['No mismatched observations of this unit are stored.']));
    return;
  }
  for (const row of rows) {
    const button = el('button', { type: 'button' }, [observationSummary(row)]);
    const item = el('li', { 'data-testid': 'observation-item', 'data-observation-id': row.id }, [button]);
    button.addEventListener('click', () => selectObservation(row.id, item));
    list.append(item);
  }
}

async function selectObservation(id, item) {
  const ticket = ++state.observation;
  for (const other of byId('observations').children) other.classList.toggle('selected', other === item);
  hideError();
  try {
    const observation = await api('/admin/api/shadow/observations/' + encodeURIComponent(id));
    if (ticket === state.observation) renderDiff(observation);
  } catch (error) {
    if (ticket === state.observation) showError(error);
  }
}

function metaRows(observation, sides) {
  const client = observation.clientName
    ? observation.clientName + (observation.clientVersion ? ' ' + observation.clientVersion : '') : '–';
  const rows = [
    ['Observed', when(observation.at)],
    ['Unit', observation.unit],
    ['Stage', observation.stage],
    ['Control', sides.control + ' (served the response)'],
    ['Candidate', sides.candidate],
    ['Cohort', observation.cohort ?? 'none'],
    ['Client', client],
    ['Outcome', observation.outcome],
    ['Latency', 'control ' + millis(observation.controlMs) + ' · candidate ' + millis(observation.candidateMs)],
  ];
  if (observation.controlError) rows.push(['Control error', observation.controlError]);
  if (observation.candidateError) rows.push(['Candidate error', observation.candidateError]);
  return rows.flatMap(([name, value]) => [el('dt', {}, [name]), el('dd', {}, [String(value)])]);
}

function diffRow(diff) {
  return el('tr', { 'data-testid': 'diff-row', 'data-path': diff.path }, [
    el('td', { class: 'path' }, [diff.path]),
    el('td', {}, [el('pre', { class: 'control-value', 'data-testid': 'control-value' }, [json(diff.control)])]),
    el('td', {}, [el('pre', { class: 'candidate-value', 'data-testid': 'candidate-value' }, [json(diff.candidate)])]),
  ]);
}

function renderDiff(observation) {
  const sides = sideNames(observation);
  byId('diff-title').textContent = 'Observation #' + observation.id +
    (observation.operationName ? ' (' + observation.operationName + ')' : '');
  const meta = byId('diff-meta');
  clear(meta);
  append(meta, metaRows(observation, sides));
  byId('control-head').textContent = 'Control (' + sides.control + ')';
  byId('candidate-head').textContent = 'Candidate (' + sides.candidate + ')';
  const body = byId('diff-body');
  clear(body);
  const diffs = observation.diffs || [];
  if (diffs.length === 0) body.append(el('tr', {}, [el('td', { colspan: '3', class: 'muted' }, ['No differing path was recorded.'])]));
  for (const diff of diffs) body.append(diffRow(diff));
  byId('diff-query').textContent = observation.query ?? '(the query was not stored)';
  byId('diff-variables').textContent = json(observation.variables ?? {});
  const replayable = typeof observation.query === 'string' && observation.query !== '';
  byId('curl').textContent = replayable ? curlCommand(observation) : '';
  byId('copy-curl').hidden = !replayable;
  byId('curl-note').textContent = replayable
    ? 'Replays the operation with ' + sides.candidate + ' serving ' + observation.unit +
      ' (needs a service_role token in $ADMIN_TOKEN; forcing a stage is ignored for anyone else).'
    : 'The query of this observation was not stored, so it cannot be replayed.';
  byId('diff').hidden = false;
}

async function copyCurl() {
  const pre = byId('curl');
  const button = byId('copy-curl');
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(pre.textContent);
      button.textContent = 'Copied';
    } else {
      // No async clipboard outside secure contexts: select the text for Ctrl+C.
      const range = document.createRange();
      range.selectNodeContents(pre);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      button.textContent = 'Selected: press Ctrl+C';
    }
  } catch (error) {
    button.textContent = 'Copy failed';
    showError(new Error('Could not copy: ' + (error && error.message ? error.message : error)));
  }
  setTimeout(() => { button.textContent = 'Copy'; }, 2000);
}
`;
