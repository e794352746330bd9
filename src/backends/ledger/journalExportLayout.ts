import { randomBytes } from 'node:crypto';

// The objects of an Amazon QLDB journal export, as its S3 export lays them out
// (https://docs.aws.amazon.com/qldb/latest/developerguide/export-journal.output.html) and
// as AWS's readers of exports find them: ValidateQldbHashchain and JournalS3ExportReader
// in aws-samples/amazon-qldb-dmv-sample-nodejs (the started manifest at
// `<prefix><exportId>.started.manifest`, any object ending in `completed.manifest`, each
// data object's key split at its dots into `<strandId>.<first>-<last>.ion`), and
// ExportProcessor in awslabs/amazon-qldb-export-processor-java (the final manifest at
// `<prefix><exportId>.<strandId>.completed.manifest`, with `{keys: [...]}`).
// figway writes into a directory instead of a bucket, with no prefix: each key is a
// path relative to the directory.

/** The initial manifest's name: QLDB writes it when the export starts. */
export function startedManifestName(exportId: string): string {
  return `${exportId}.started.manifest`;
}

/** The final manifest's name, one per strand: QLDB writes it when the strand's export completes. */
export function completedManifestName(exportId: string, strandId: string): string {
  return `${exportId}.${strandId}.completed.manifest`;
}

/** A data object's key: the strand and the first and last sequence numbers of its blocks. */
export function dataObjectKey(strandId: string, first: number, last: number): string {
  return `${strandId}.${first}-${last}.ion`;
}

/** What a final manifest's name says: its export and strand. */
export interface CompletedManifestName {
  exportId: string;
  strandId: string;
}

/** Reads a final manifest's file name, or null when it is not one. */
export function parseCompletedManifestName(name: string): CompletedManifestName | null {
  const match = /^([^./]+)\.([^./]+)\.completed\.manifest$/.exec(name);
  return match === null ? null : { exportId: match[1] as string, strandId: match[2] as string };
}

/** The strand and sequence range a data object's key names (its last path segment), or null. */
export function parseDataObjectKey(key: string): { strandId: string; first: number; last: number } | null {
  const name = key.split('/').at(-1) ?? '';
  const match = /^([^.]+)\.(\d+)-(\d+)\.ion$/.exec(name);
  if (match === null) return null;
  return { strandId: match[1] as string, first: Number(match[2]), last: Number(match[3]) };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A new export id as QLDB makes them: 22 characters of base62 (QLDB's pattern is `^[A-Za-z-0-9]+$`). */
export function newExportId(): string {
  // 248 random bits; a byte maps to one of 62 characters with a bias under 0.2%, which
  // an id that must only be unique does not mind.
  return [...randomBytes(22)].map((byte) => BASE62[byte % 62]).join('');
}
