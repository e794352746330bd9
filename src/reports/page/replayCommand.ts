import type { ObservationRow } from '../shadowReportTypes.js';

/** Which side served the response of an observation (control) and which was compared (candidate). */
export interface ObservationSides {
  control: ObservationRow['control'];
  candidate: ObservationRow['control'];
}

/** The control and candidate sides of `observation`. */
export function sideNames(observation: Pick<ObservationRow, 'control'>): ObservationSides {
  const control = observation.control === 'target' ? 'target' : 'legacy';
  return { control, candidate: control === 'legacy' ? 'target' : 'legacy' };
}

// To see the candidate's answer, force the stage whose reads are served by the candidate's side.
function stageServedBy(side: ObservationRow['control']): 'live' | 'shadow' {
  return side === 'target' ? 'live' : 'shadow';
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/**
 * A curl command, for a POSIX shell, that replays the operation of `observation` against
 * the gateway at `origin` with `x-figway-stage` forcing the candidate's side to serve the
 * unit; the token comes from `$ADMIN_TOKEN`, since only admins may force a stage.
 */
export function replayCommand(observation: ObservationRow, origin: string): string {
  const stage = stageServedBy(sideNames(observation).candidate);
  const body: Record<string, unknown> = { query: observation.query, variables: observation.variables ?? {} };
  if (observation.operationName) body.operationName = observation.operationName;
  return [
    `curl -sS ${shellQuote(`${origin}/graphql`)}`,
    "  -H 'content-type: application/json'",
    '  -H "Authorization: Bearer $ADMIN_TOKEN"',
    `  -H ${shellQuote(`x-figway-stage: ${observation.unit}=${stage}`)}`,
    `  --data-raw ${shellQuote(JSON.stringify(body))}`,
  ].join(' \\\n');
}
