import { isErrorCode } from '../errors.ts';

/** What a failure's code is taken to be when it carries none of the catalogue's. */
export const UNCODED = 'INTERNAL_SERVER_ERROR';

/**
 * The `extensions.code` a client is shown for a side's failure: the error's own when it is
 * one of the catalogue's, else INTERNAL_SERVER_ERROR, which the gateway's error formatter
 * shows for anything else outside development. Messages are not compared: two backends
 * word the same failure differently.
 */
export function clientErrorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null || !('extensions' in error)) return UNCODED;
  const { extensions } = error;
  if (typeof extensions !== 'object' || extensions === null || !('code' in extensions)) return UNCODED;
  return isErrorCode(extensions.code) ? extensions.code : UNCODED;
}
