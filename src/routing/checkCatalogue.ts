import { ConfigError } from '../config.ts';
import type { CatalogueEntry } from '../core/catalogue.ts';
import type { FlagDefinitions } from './flagFiles.ts';

/**
 * Refuses to run when the catalogue and the code disagree: a `migrate()` unit the
 * catalogue lacks, a catalogue unit with no resolver, or (with local definitions) a
 * catalogue flag with no definition. The error lists every problem.
 */
export function checkCatalogue(
  catalogue: readonly CatalogueEntry[],
  resolverUnits: readonly string[],
  definitions: FlagDefinitions | null,
): void {
  const listed = new Set(catalogue.map((entry) => entry.unit));
  const resolved = new Set(resolverUnits);
  const problems = [
    ...resolverUnits
      .filter((unit) => !listed.has(unit))
      .map((unit) => `${unit} is migrated in resolvers/ but missing from flags/catalogue.json`),
    ...catalogue
      .filter((entry) => !resolved.has(entry.unit))
      .map((entry) => `${entry.unit} is in flags/catalogue.json but no resolver migrates it`),
  ];
  if (definitions !== null) {
    const defined = new Set(definitions.features.map((feature) => feature.name));
    problems.push(
      ...catalogue
        .filter((entry) => !defined.has(entry.flag))
        .map((entry) => `flag ${entry.flag} (${entry.unit}) has no definition`),
    );
  }
  if (problems.length > 0)
    throw new ConfigError(`The flag catalogue does not match the code:\n  ${problems.join('\n  ')}`);
}
