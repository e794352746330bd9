import type { CatalogueEntry } from '../core/catalogue.ts';
import type { FlagDefinitions, FlagFeature, FlagStrategy } from './flagFiles.ts';

/** Where and how `figway flags push` reaches Unleash's admin API. */
export interface UnleashAdminOptions {
  /** The Unleash API URL, e.g. https://unleash.example.com/api. */
  url: string;
  /** An admin token. */
  token: string;
  /** @default 'development' */
  environment?: string;
  /** @default 'default' */
  project?: string;
  fetch?: typeof fetch;
}

/** What a push did to each flag. */
export interface PushReport {
  created: string[];
  updated: string[];
  unchanged: string[];
}

interface StoredStrategy {
  id: string;
  name: string;
  parameters?: Record<string, string>;
  constraints?: Array<{ contextName: string; operator: string; values?: string[]; value?: string }>;
  variants?: Array<{ name: string; weight: number; stickiness?: string; weightType?: string }>;
}

function adminClient(options: UnleashAdminOptions) {
  const doFetch = options.fetch ?? fetch;
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const response = await doFetch(`${options.url.replace(/\/$/, '')}${path}`, {
      method,
      headers: { authorization: options.token, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok && response.status !== 404 && response.status !== 409) {
      const archived = /archived/i.test(text)
        ? ' The flag is archived in Unleash: revive it there, then push again.'
        : '';
      throw new Error(
        `Unleash answered ${response.status} to ${method} ${path}: ${text.slice(0, 300)}${archived}`,
      );
    }
    return { status: response.status, json: text === '' ? null : (JSON.parse(text) as unknown) };
  };
}

// Compares what matters for evaluation, ignoring ids, sort order, key order (Unleash
// stores parameters as jsonb and returns them reordered) and defaults Unleash adds.
function shape(strategy: Omit<StoredStrategy, 'id'> | FlagStrategy): string {
  const parameters = Object.fromEntries(
    Object.entries(strategy.parameters ?? {}).sort(([a], [b]) => a.localeCompare(b)),
  );
  return JSON.stringify({
    name: strategy.name,
    parameters,
    constraints: (strategy.constraints ?? []).map((c) => ({
      contextName: c.contextName,
      operator: c.operator,
      values: c.values ?? [],
    })),
    variants: (strategy.variants ?? []).map((v) => ({
      name: v.name,
      weight: v.weight,
      stickiness: v.stickiness ?? 'default',
    })),
  });
}

/**
 * Makes an Unleash server's flags for the catalogue's units match `definitions`
 * through its admin API: creates missing flags, replaces strategies that differ,
 * switches the environment on or off, and leaves identical flags untouched, so
 * pushing twice changes nothing the second time.
 */
export async function pushDefinitions(
  catalogue: readonly CatalogueEntry[],
  definitions: FlagDefinitions,
  options: UnleashAdminOptions,
): Promise<PushReport> {
  const call = adminClient(options);
  const environment = options.environment ?? 'development';
  const project = options.project ?? 'default';
  const base = `/admin/projects/${project}/features`;
  await call('POST', '/admin/context', {
    name: 'cohort',
    description: 'figway cohort (JWT app_metadata.cohort)',
    stickiness: false,
  });
  const report: PushReport = { created: [], updated: [], unchanged: [] };
  const features = new Map(definitions.features.map((feature) => [feature.name, feature]));
  for (const entry of catalogue) {
    const wanted: FlagFeature = features.get(entry.flag) ?? {
      name: entry.flag,
      enabled: false,
      strategies: [],
      variants: [],
    };
    const existing = await call('GET', `${base}/${entry.flag}`);
    const isNew = existing.status === 404;
    if (isNew)
      await call('POST', base, { name: entry.flag, type: 'release', description: entry.description });
    const environments = isNew
      ? []
      : ((
          existing.json as {
            environments?: Array<{ name: string; enabled: boolean; strategies: StoredStrategy[] }>;
          }
        ).environments ?? []);
    const current = environments.find((candidate) => candidate.name === environment);
    const stored = current?.strategies ?? [];
    const sameStrategies =
      stored.length === wanted.strategies.length &&
      stored.every((strategy, index) => shape(strategy) === shape(wanted.strategies[index] as FlagStrategy));
    const sameSwitch = (current?.enabled ?? false) === wanted.enabled;
    if (!isNew && sameStrategies && sameSwitch) {
      report.unchanged.push(entry.flag);
      continue;
    }
    const strategiesPath = `${base}/${entry.flag}/environments/${environment}/strategies`;
    if (!sameStrategies) {
      for (const strategy of stored) await call('DELETE', `${strategiesPath}/${strategy.id}`);
      for (const [sortOrder, strategy] of wanted.strategies.entries())
        await call('POST', strategiesPath, { ...strategy, sortOrder });
    }
    await call('POST', `${base}/${entry.flag}/environments/${environment}/${wanted.enabled ? 'on' : 'off'}`);
    (isNew ? report.created : report.updated).push(entry.flag);
  }
  return report;
}

/** Reads the flags an Unleash server serves to clients (for `figway flags list`). */
export async function fetchClientDefinitions(
  url: string,
  token: string,
  doFetch: typeof fetch = fetch,
): Promise<unknown> {
  const response = await doFetch(`${url.replace(/\/$/, '')}/client/features`, {
    headers: { authorization: token },
  });
  if (!response.ok) throw new Error(`Unleash answered ${response.status} to GET /client/features`);
  return response.json();
}
