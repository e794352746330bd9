import { timeTicks } from './chartTime.js';
import { percent, when } from './formatValues.js';
import { svgEl } from './pageElements.js';

const CHART = { width: 400, plotHeight: 140, left: 46, right: 16, top: 10, bottom: 36 };

/** One unit's line on a chart: a rate per bucket, null where nothing was sampled. */
export interface ChartLine {
  unit: string;
  color: string;
  points: ReadonlyArray<{ start: number; samples: number; rate: number | null }>;
}

/** The time a chart spans: buckets of `bucketMs` from `from` to `to` (epoch ms). */
export interface ChartFrame {
  from: number;
  to: number;
  bucketMs: number;
}

type MeasuredPoint = ChartLine['points'][number] & { rate: number };

interface Scales {
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

// Axis labels drop trailing zeros (0.5%, 1.25%, 2%); the tables keep fixed decimals.
function rateLabel(rate: number): string {
  return `${Number((rate * 100).toPrecision(3))}%`;
}

// Buckets without samples have no rate: they are left out of the line, not drawn as 0%.
function measured(line: ChartLine): MeasuredPoint[] {
  return line.points.filter((point): point is MeasuredPoint => point.samples > 0 && point.rate !== null);
}

function scalesOf(lines: readonly ChartLine[], frame: ChartFrame): Scales {
  const rateMax = niceCeiling(
    Math.max(0, ...lines.flatMap((line) => measured(line).map((point) => point.rate))),
  );
  const span = Math.max(frame.to - frame.from, 1);
  const innerWidth = CHART.width - CHART.left - CHART.right;
  return {
    rateMax,
    x: (t) => CHART.left + ((t - frame.from) / span) * innerWidth,
    y: (rate) => CHART.top + CHART.plotHeight - (rate / rateMax) * CHART.plotHeight,
  };
}

function axes(scales: Scales, frame: ChartFrame): SVGElement[] {
  const nodes: SVGElement[] = [];
  const bottom = CHART.top + CHART.plotHeight;
  const right = CHART.width - CHART.right;
  for (let i = 0; i <= 2; i++) {
    const y = scales.y((scales.rateMax * i) / 2);
    nodes.push(svgEl('line', { class: 'grid', x1: CHART.left, x2: right, y1: y, y2: y }));
    nodes.push(
      svgEl('text', { x: CHART.left - 6, y: y + 4, 'text-anchor': 'end' }, [
        rateLabel((scales.rateMax * i) / 2),
      ]),
    );
  }
  for (const tick of timeTicks(frame.from, frame.to)) {
    const x = scales.x(tick.t);
    nodes.push(svgEl('line', { class: 'axis', x1: x, x2: x, y1: bottom, y2: bottom + 4 }));
    const label = svgEl('text', { class: 'tick', x, y: bottom + 16, 'text-anchor': 'middle' }, [tick.clock]);
    if (tick.day !== null) label.append(svgEl('tspan', { x, dy: 13 }, [tick.day]));
    nodes.push(label);
  }
  nodes.push(svgEl('line', { class: 'axis', x1: CHART.left, x2: right, y1: bottom, y2: bottom }));
  nodes.push(svgEl('line', { class: 'axis', x1: CHART.left, x2: CHART.left, y1: CHART.top, y2: bottom }));
  return nodes;
}

function lineOf(line: ChartLine, scales: Scales, frame: ChartFrame, name: string): SVGGElement {
  const middle = frame.bucketMs / 2;
  const at = (point: MeasuredPoint) => [
    scales.x(point.start + middle).toFixed(1),
    scales.y(point.rate).toFixed(1),
  ];
  const points = measured(line);
  const group = svgEl('g', { 'data-unit': line.unit }, [
    svgEl(
      'polyline',
      {
        'data-testid': 'chart-line',
        'data-unit': line.unit,
        points: points.map((point) => at(point).join(',')).join(' '),
        fill: 'none',
        stroke: line.color,
        'stroke-width': 2,
        'stroke-linejoin': 'round',
      },
      [svgEl('title', {}, [line.unit])],
    ),
  ]);
  const seconds = frame.bucketMs < 60_000;
  for (const point of points) {
    const label =
      `${line.unit} from ${when(new Date(point.start).toISOString(), seconds)}: ${name} ${percent(point.rate)} ` +
      `weighted by 1/sample rate (${point.samples} sample${point.samples === 1 ? '' : 's'})`;
    const [cx = '0', cy = '0'] = at(point);
    group.append(svgEl('circle', { cx, cy, r: 2.5, fill: line.color }, [svgEl('title', {}, [label])]));
  }
  return group;
}

/**
 * One chart of a rate over time as inline SVG: a line per unit (dots where a bucket was
 * sampled), a percentage axis scaled to the highest rate shown, and a UTC time axis over
 * `frame`, each point in the middle of its bucket. `name` is the rate's name, lower case.
 */
export function rateChart(
  lines: readonly ChartLine[],
  frame: ChartFrame,
  name: string,
  testId: string,
): SVGSVGElement {
  const scales = scalesOf(lines, frame);
  const height = CHART.top + CHART.plotHeight + CHART.bottom;
  return svgEl(
    'svg',
    {
      'data-testid': testId,
      viewBox: `0 0 ${CHART.width} ${height}`,
      role: 'img',
      'aria-label': `${name} per unit over time`,
    },
    [
      svgEl('title', {}, [`Weighted ${name} per unit`]),
      ...axes(scales, frame),
      ...lines.map((line) => lineOf(line, scales, frame, name)),
    ],
  );
}
