import type { FlagFeature } from './flagFiles.ts';

/** True for a strategy switched off in Unleash (`disabled: true`), which Unleash never evaluates. */
export function isDisabledStrategy(strategy: FlagFeature['strategies'][number]): boolean {
  return (strategy as { disabled?: unknown }).disabled === true;
}

/**
 * A flag as Unleash's client API serves it: without its disabled strategies, and off
 * when every strategy it has is disabled (Unleash switches such a flag off). A flags
 * file exported from the admin API may hold disabled strategies; unleash-client, given
 * the file, would evaluate them.
 */
export function servedFeature(feature: FlagFeature): FlagFeature {
  if (!feature.strategies.some(isDisabledStrategy)) return feature;
  const strategies = feature.strategies.filter((strategy) => !isDisabledStrategy(strategy));
  return { ...feature, strategies, enabled: feature.enabled && strategies.length > 0 };
}
