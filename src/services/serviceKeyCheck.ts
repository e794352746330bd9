import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SERVICE_KEY_HEADER } from '../core/serviceKeyHeader.ts';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * A check that a request carries `key` in its {@link SERVICE_KEY_HEADER} header. The
 * two are compared as SHA-256 digests with `timingSafeEqual`, so the time taken says
 * nothing about how much of the key a guess got right, nor about its length. A missing
 * header, or one sent twice, does not match.
 */
export function serviceKeyCheck(key: string): (headers: IncomingHttpHeaders) => boolean {
  const expected = digest(key);
  return (headers) => {
    const sent = headers[SERVICE_KEY_HEADER];
    if (typeof sent !== 'string') return false;
    return timingSafeEqual(digest(sent), expected);
  };
}
