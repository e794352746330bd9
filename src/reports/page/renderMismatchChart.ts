import type { MismatchSeries } from '../shadowReportTypes.js';
import { percent, when } from './formatValues.js';
import { byId, clear, el, svgEl } from './pageElements.js';

const PALETTE = ['#2457c5', '#d1495b', '#1b7f3b', '#8a5a00', '#7b3fb5', '#00798c', '#c45a00', '#5b6474'];
const CHART = { width: 760, plotHeight: 220, left: 64, right: 20, top: 14, bottom: 44, legendRow: 20 };
const HOUR_MS = 3_600_000;

interface Point {
  t: number;
  samples: number;
  /** Weighted by 1/sample rate; null without samples. */
  rate: number | null;
}

/** A point with a rate: a bucket where something was sampled. */
type MeasuredPoint = Point & { rate: number };

interface Line {
  unit: string;
  color: string;
  points: Point[];
}

interface Scales {
  t0: number;
  span: number;
  rateMax: number;
  x(t: number): number;
  y(rate: number): number;
}

function niceCeiling(value: number): number {
  if (!(value > 0)) return 0.001;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

// Axis labels drop trailing zeros (0.5%, 1.25%, 2%); the table keeps fixed decimals.
function rateLabel(rate: number): string {
  return `${Number((rate * 100).toPrecision(3))}%`;
}

function timeLabel(ms: number, spanMs: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  if (spanMs <= 36 * HOUR_MS) return clock;
  return `${date.toLocaleDateString('en', { month: 'short', day: 'numeric' })} ${clock}`;
}

function seriesLines(seriesList: readonly MismatchSeries[]): Line[] {
  const units = [...seriesList].sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
  return units.map((series, index) => ({
    unit: series.unit,
    color: PALETTE[index % PALETTE.length] ?? '#000',
    points: series.points
      .map((point) => ({ t: Date.parse(point.start), samples: point.samples, rate: point.mismatchRate }))
      .filter((point) => Number.isFinite(point.t))
      .sort((a, b) => a.t - b.t),
  }));
}

// Buckets without samples have no rate: they are left out of the line, not drawn as 0%.
function measuredPoints(line: Line): MeasuredPoint[] {
  return line.points.filter((point): point is MeasuredPoint => point.samples > 0 && point.rate !== null);
}

function chartScales(lines: readonly Line[]): Scales {
  const times = lines.flatMap((line) => line.points.map((point) => point.t));
  const rates = lines.flatMap((line) => measuredPoints(line).map((point) => point.rate));
  const t0 = times.length > 0 ? Math.min(...times) : Date.now() - HOUR_MS;
  const t1 = times.length > 0 ? Math.max(...times) : Date.now();
  const span = Math.max(t1 - t0, 1);
  const rateMax = niceCeiling(Math.max(0, ...rates));
  const innerWidth = CHART.width - CHART.left - CHART.right;
  return {
    t0,
    span,
    rateMax,
    x: (t) => CHART.left + ((t - t0) / span) * innerWidth,
    y: (rate) => CHART.top + CHART.plotHeight - (rate / rateMax) * CHART.plotHeight,
  };
}

function chartAxes(scales: Scales): SVGElement[] {
  const nodes: SVGElement[] = [];
  const bottom = CHART.top + CHART.plotHeight;
  const right = CHART.width - CHART.right;
  for (let i = 0; i <= 4; i++) {
    const rate = (scales.rateMax * i) / 4;
    const y = scales.y(rate);
    nodes.push(svgEl('line', { class: 'grid', x1: CHART.left, x2: right, y1: y, y2: y }));
    nodes.push(svgEl('text', { x: CHART.left - 6, y: y + 4, 'text-anchor': 'end' }, [rateLabel(rate)]));
  }
  for (let i = 0; i <= 5; i++) {
    const t = scales.t0 + (scales.span * i) / 5;
    const x = scales.x(t);
    nodes.push(svgEl('line', { class: 'axis', x1: x, x2: x, y1: bottom, y2: bottom + 4 }));
    nodes.push(svgEl('text', { x, y: bottom + 16, 'text-anchor': 'middle' }, [timeLabel(t, scales.span)]));
  }
  nodes.push(svgEl('line', { class: 'axis', x1: CHART.left, x2: right, y1: bottom, y2: bottom }));
  nodes.push(svgEl('line', { class: 'axis', x1: CHART.left, x2: CHART.left, y1: CHART.top, y2: bottom }));
  nodes.push(
    svgEl('text', { x: (CHART.left + right) / 2, y: bottom + 34, 'text-anchor': 'middle' }, ['time']),
  );
  const middle = CHART.top + CHART.plotHeight / 2;
  nodes.push(
    svgEl('text', { x: 14, y: middle, 'text-anchor': 'middle', transform: `rotate(-90 14 ${middle})` }, [
      'mismatch rate',
    ]),
  );
  return nodes;
}

function chartLine(line: Line, scales: Scales): SVGGElement {
  const measured = measuredPoints(line);
  const at = (point: MeasuredPoint) => ({
    x: scales.x(point.t).toFixed(1),
    y: scales.y(point.rate).toFixed(1),
  });
  const group = svgEl('g', { 'data-unit': line.unit }, [
    svgEl(
      'polyline',
      {
        'data-testid': 'chart-line',
        'data-unit': line.unit,
        points: measured.map((point) => `${at(point).x},${at(point).y}`).join(' '),
        fill: 'none',
        stroke: line.color,
        'stroke-width': 2,
        'stroke-linejoin': 'round',
      },
      [svgEl('title', {}, [line.unit])],
    ),
  ]);
  for (const point of measured) {
    const label =
      `${line.unit} at ${when(new Date(point.t).toISOString())}: ` +
      `${percent(point.rate)} weighted by 1/sample rate (${point.samples} sample${point.samples === 1 ? '' : 's'})`;
    const { x, y } = at(point);
    group.append(svgEl('circle', { cx: x, cy: y, r: 2.5, fill: line.color }, [svgEl('title', {}, [label])]));
  }
  return group;
}

function chartLegend(lines: readonly Line[]): SVGGElement {
  const top = CHART.top + CHART.plotHeight + CHART.bottom;
  return svgEl(
    'g',
    { 'data-testid': 'chart-legend' },
    lines.map((line, index) => {
      const y = top + index * CHART.legendRow;
      return svgEl('g', { 'data-unit': line.unit }, [
        svgEl('rect', { x: CHART.left, y: y + 2, width: 14, height: 4, fill: line.color }),
        svgEl('text', { class: 'legend', x: CHART.left + 22, y: y + 8 }, [line.unit]),
      ]);
    }),
  );
}

/**
 * Draws the mismatch rate over time (weighted by 1/sample rate) into `#chart` as inline SVG: one polyline per unit (in
 * unit order, one colour each), a percentage y axis, a time x axis and a legend.
 */
export function renderMismatchChart(seriesList: readonly MismatchSeries[]): void {
  const host = byId('chart');
  clear(host);
  const lines = seriesLines(seriesList);
  if (lines.length === 0) {
    host.append(el('p', { class: 'muted' }, ['No observations in this period.']));
    return;
  }
  const scales = chartScales(lines);
  const height = CHART.top + CHART.plotHeight + CHART.bottom + lines.length * CHART.legendRow;
  const svg = svgEl(
    'svg',
    {
      'data-testid': 'mismatch-chart',
      viewBox: `0 0 ${CHART.width} ${height}`,
      role: 'img',
      'aria-label': 'Mismatch rate over time per unit',
    },
    [...chartAxes(scales), ...lines.map((line) => chartLine(line, scales)), chartLegend(lines)],
  );
  host.append(svg);
}
