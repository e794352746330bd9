import type { CatalogueEntry } from '../core/catalogue.ts';
import { DEFAULT_THRESHOLDS } from './buildShadowReport.ts';
import type { VerdictThresholds } from './shadowReportTypes.ts';

/**
 * The verdict thresholds of each unit as the gateway's report judges them: the
 * catalogue's `maxMismatchRate` and `minSamples` over the defaults; a unit the catalogue
 * does not hold gets the defaults.
 */
export function unitThresholds(catalogue: readonly CatalogueEntry[]): (unit: string) => VerdictThresholds {
  const entries = new Map(catalogue.map((entry) => [entry.unit, entry]));
  return (unit) => {
    const settings = entries.get(unit)?.shadow;
    return settings === undefined
      ? DEFAULT_THRESHOLDS
      : { ...DEFAULT_THRESHOLDS, maxMismatchRate: settings.maxMismatchRate, minSamples: settings.minSamples };
  };
}
