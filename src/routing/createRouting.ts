import type { Viewer } from '../backends/viewer.ts';
import type { FlagsConfig } from '../config.ts';
import type { CatalogueEntry } from '../core/catalogue.ts';
import type { Logger } from '../core/logger.ts';
import type { Stage } from '../core/stage.ts';
import type { GatewayMetrics } from '../reports/gatewayMetrics.ts';
import { checkCatalogue } from './checkCatalogue.ts';
import {
  type FlagDefinitions,
  parseDefinitions,
  readConfiguredCatalogue,
  readDefinitions,
} from './flagFiles.ts';
import { createRequestRouter, type RequestRouter } from './requestRouter.ts';
import type { ReloadOutcome, StageSource } from './stageSource.ts';
import { createUnleashFileStageSource, createUnleashServerStageSource } from './unleashStageSources.ts';

/** The gateway's routing: where stages come from, and a router per request. */
export interface Routing {
  catalogue: ReadonlyMap<string, CatalogueEntry>;
  routerFor(viewer: Viewer, forced?: ReadonlyMap<string, Stage>): RequestRouter;
  /** The stage source's next reload of a local flags file; rejects for a source that does not reload one. */
  nextReload(): Promise<ReloadOutcome>;
  /**
   * The flags as the stage source evaluates them now, or null when it has none yet (or
   * cannot tell). Throws a ConfigError when they are not flag definitions.
   */
  flagDefinitions(): FlagDefinitions | null;
  close(): Promise<void>;
}

/** What {@link createRouting} needs. */
export interface RoutingOptions {
  flags: FlagsConfig;
  /** The units the resolvers migrate; they must match the catalogue. */
  resolverUnits: readonly string[];
  targetsAvailable: boolean;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Replaces the stage source, for tests. */
  source?: StageSource;
  /** The catalogue file `FIGWAY_CATALOGUE_FILE` names; null or absent: flags/catalogue.json. */
  catalogueFile?: string | null;
  /** Replaces flags/catalogue.json, for tests (e.g. a unit with a fallback policy). */
  catalogue?: readonly CatalogueEntry[];
}

/**
 * Loads and checks the flag catalogue (refusing to start when it and the resolvers
 * disagree or a definition is malformed), opens the stage source, and builds
 * routers that log each flag problem once (and what was done: legacy served, or a
 * write refused) and count every occurrence in `figway_flag_fallbacks_total`.
 */
export async function createRouting(options: RoutingOptions): Promise<Routing> {
  const entries = options.catalogue ?? (await readConfiguredCatalogue(options.catalogueFile ?? null));
  const definitions = options.flags.kind === 'file' ? await readDefinitions(options.flags.path) : null;
  checkCatalogue(entries, options.resolverUnits, definitions);
  const source =
    options.source ??
    (options.flags.kind === 'file'
      ? await createUnleashFileStageSource({
          path: options.flags.path,
          pollMs: options.flags.pollMs,
          logger: options.logger,
        })
      : createUnleashServerStageSource({ ...options.flags, logger: options.logger }));
  const catalogue = new Map(entries.map((entry) => [entry.unit, entry]));
  const reported = new Set<string>();
  return {
    catalogue,
    routerFor: (viewer, forced) =>
      createRequestRouter(viewer, {
        source,
        catalogue,
        targetsAvailable: options.targetsAvailable,
        ...(forced === undefined ? {} : { forced }),
        onFlagProblem(flag, decision, outcome) {
          options.metrics.flagFallbacks.inc({ flag, reason: decision.reason });
          const key = `${flag}:${decision.reason}:${outcome}`;
          if (reported.has(key)) return;
          reported.add(key);
          options.logger.warn(
            { flag, reason: decision.reason },
            outcome === 'refused'
              ? 'flag unavailable: refusing its writes (nothing written) until the stage for everyone is known'
              : 'flag unavailable: serving legacy',
          );
        },
        onRouteFallback: (unit) => options.metrics.routeFallbacks.inc({ unit }),
      }),
    flagDefinitions() {
      const features = source.features?.() ?? null;
      return features === null
        ? null
        : parseDefinitions({ version: 2, features }, 'the flags in effect', { stagesOnly: false });
    },
    nextReload: () =>
      source.nextReload?.() ?? Promise.reject(new Error('this stage source does not reload a flags file')),
    close: () => source.close(),
  };
}
