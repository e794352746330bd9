import { ConfigError } from '../../config.ts';

/** The setting that lists the access keys the ledger's QLDB endpoint accepts. */
export const ACCESS_KEYS_SETTING = 'FIGWAY_LEDGER_ACCESS_KEYS';

const FORMAT = 'comma-separated id:secret pairs, e.g. "app:s3cret,reporting:an0ther"';

// An id ends up inside `Credential=<id>/<date>/...`, where `/` and whitespace split it,
// so such an id could never sign a request that verifies.
const UNUSABLE_ID = /[\s/]/;

function refuse(problem: string): never {
  throw new ConfigError(`${ACCESS_KEYS_SETTING}: ${problem}; give ${FORMAT}.`);
}

/**
 * Reads {@link ACCESS_KEYS_SETTING} (`id:secret,id:secret`) into a map from access key id
 * to secret. Whitespace around items and around the id and secret is ignored; a secret may
 * itself contain `:`. Throws {@link ConfigError} for an empty item, an item without `:`,
 * an empty id or secret, an id with `/` or whitespace, or an id listed twice; the message
 * names the item's position or the id, never a secret.
 */
export function parseAccessKeys(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  text.split(',').forEach((rawItem, index) => {
    const position = `item ${index + 1}`;
    const item = rawItem.trim();
    if (item === '') refuse(`${position} is empty`);
    const colon = item.indexOf(':');
    if (colon < 0) refuse(`${position} has no ":" between the access key id and its secret`);
    const id = item.slice(0, colon).trim();
    const secret = item.slice(colon + 1).trim();
    if (id === '') refuse(`${position} has an empty access key id`);
    if (secret === '') refuse(`${position} (access key id "${id}") has an empty secret`);
    if (UNUSABLE_ID.test(id)) refuse(`${position} has an access key id with "/" or whitespace in it`);
    if (keys.has(id)) refuse(`access key id "${id}" is listed twice (again as ${position})`);
    keys.set(id, secret);
  });
  return keys;
}
