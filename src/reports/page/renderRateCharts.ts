import type { RatePoint, RateSeriesAnswer } from '../shadowReportTypes.js';
import { durationText } from './chartTime.js';
import { when } from './formatValues.js';
import { byId, clear, el, svgEl } from './pageElements.js';
import { type ChartFrame, type ChartLine, rateChart } from './rateChart.js';

const PALETTE = ['#2457c5', '#d1495b', '#1b7f3b', '#8a5a00', '#7b3fb5', '#00798c', '#c45a00', '#5b6474'];

/** The rates charted, each in its own chart, side by side where the page is wide enough. */
const METRICS: ReadonlyArray<{ rate: keyof RatePoint & `${string}Rate`; title: string; testId: string }> = [
  { rate: 'mismatchRate', title: 'Mismatch rate', testId: 'mismatch-chart' },
  { rate: 'candidateErrorRate', title: 'Candidate error rate', testId: 'candidate-error-chart' },
  { rate: 'timeoutRate', title: 'Timeout rate', testId: 'timeout-chart' },
];

function linesOf(answer: RateSeriesAnswer, rate: (typeof METRICS)[number]['rate']): ChartLine[] {
  const units = [...answer.series].sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
  return units.map((series, index) => ({
    unit: series.unit,
    color: PALETTE[index % PALETTE.length] ?? '#000',
    points: series.points
      .map((point) => ({ start: Date.parse(point.start), samples: point.samples, rate: point[rate] }))
      .filter((point) => Number.isFinite(point.start)),
  }));
}

function legend(lines: readonly ChartLine[]): HTMLUListElement {
  return el(
    'ul',
    { class: 'legend', 'data-testid': 'chart-legend' },
    lines.map((line) =>
      el('li', { 'data-unit': line.unit }, [
        svgEl('svg', { class: 'swatch', viewBox: '0 0 14 4', 'aria-hidden': 'true' }, [
          svgEl('rect', { width: 14, height: 4, fill: line.color }),
        ]),
        line.unit,
      ]),
    ),
  );
}

/**
 * Draws the mismatch, candidate-error and timeout rates over time (`GET
 * /admin/api/shadow/rates`, weighted by 1/sample rate) into `#chart`: a chart per rate
 * with a line per unit, over the span the observations cover in the buckets the API chose,
 * one legend for the three, and a note in `#chart-note` saying the span and the buckets.
 */
export function renderRateCharts(answer: RateSeriesAnswer): void {
  const host = byId('chart');
  const note = byId('chart-note');
  clear(host);
  const from = Date.parse(answer.from ?? '');
  const to = Date.parse(answer.to ?? '');
  if (answer.series.length === 0 || !Number.isFinite(from) || !Number.isFinite(to)) {
    note.textContent = '';
    host.append(el('p', { class: 'muted' }, ['No observations in this period.']));
    return;
  }
  const frame: ChartFrame = { from, to, bucketMs: answer.bucketMs };
  note.textContent =
    `From ${when(answer.from ?? '')} to ${when(answer.to ?? '')}, the span the observations of the period ` +
    `cover, in buckets of ${durationText(answer.bucketMs)}; rates weighted by 1/sample rate.`;
  const figures = METRICS.map(({ rate, title, testId }) =>
    el('figure', { class: 'rate-chart', 'data-rate': rate }, [
      el('figcaption', {}, [title]),
      rateChart(linesOf(answer, rate), frame, title.toLowerCase(), testId),
    ]),
  );
  host.append(el('div', { class: 'charts' }, figures), legend(linesOf(answer, 'mismatchRate')));
}
