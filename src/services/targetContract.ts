import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalSdl } from '../schema/schemaFiles.ts';

/** The targets that can run as services of their own: the ledger and the OLTP service. */
export type TargetServiceKind = 'ledger' | 'oltp';

/** Every {@link TargetServiceKind}, in the order the CLI lists them. */
export const TARGET_SERVICE_KINDS: readonly TargetServiceKind[] = ['ledger', 'oltp'];

/** The folder of the target contracts: `<kind>.graphql`, the SDL a target service must implement. */
export const TARGET_CONTRACTS_DIR = fileURLToPath(new URL('../../schema/targets', import.meta.url));

/** The path of the contract of `kind`, `schema/targets/<kind>.graphql`. */
export function targetContractPath(kind: TargetServiceKind, dir = TARGET_CONTRACTS_DIR): string {
  return join(dir, `${kind}.graphql`);
}

/** The SDL of the contract of `kind`, as the file holds it: a service's schema is built from it. */
export function readTargetContract(kind: TargetServiceKind, dir = TARGET_CONTRACTS_DIR): Promise<string> {
  return readFile(targetContractPath(kind, dir), 'utf8');
}

/**
 * The label a service's /healthz reports for the contract it serves, `<kind>+<hash>`:
 * the first 8 hex digits of the SHA-256 of the canonical SDL, so that two services
 * built from the same contract report the same label, whatever the file's layout.
 */
export function contractVersion(kind: TargetServiceKind, sdl: string): string {
  return `${kind}+${createHash('sha256').update(canonicalSdl(sdl)).digest('hex').slice(0, 8)}`;
}
