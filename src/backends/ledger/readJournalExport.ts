import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ion from 'ion-js';
import { type ExportedBlock, ExportShapeError, readExportedBlock } from './exportedBlock.ts';
import {
  type CompletedManifestName,
  parseCompletedManifestName,
  parseDataObjectKey,
  startedManifestName,
} from './journalExportLayout.ts';
import { JournalImportError } from './journalImportError.ts';

/** A journal export found in a directory: its final manifest's export and strand, and the data objects it lists. */
export interface JournalExportManifest extends CompletedManifestName {
  keys: string[];
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// A key is a path inside the export's directory: never absolute, never climbing out.
function checkKey(key: string, strandId: string): void {
  const segments = key.split('/');
  if (
    key.startsWith('/') ||
    key.includes('\\') ||
    segments.some((segment) => segment === '..' || segment === '')
  )
    throw new JournalImportError(
      null,
      `the completed manifest lists ${JSON.stringify(key)}, not a path inside the export`,
    );
  const named = parseDataObjectKey(key);
  if (named === null || named.strandId !== strandId || named.first > named.last)
    throw new JournalImportError(
      null,
      `the completed manifest lists ${JSON.stringify(key)}, not a data object of strand ${strandId} named <strandId>.<first>-<last>.ion`,
    );
}

function keysOf(text: Uint8Array, strandId: string): string[] {
  let manifest: ion.dom.Value | null;
  try {
    manifest = ion.load(text);
  } catch (error) {
    throw new JournalImportError(null, `the completed manifest is not Ion (${describe(error)})`);
  }
  const keys = manifest?.get('keys');
  if (keys == null || keys.getType() !== ion.IonTypes.LIST)
    throw new JournalImportError(null, 'the completed manifest has no keys list');
  return keys.elements().map((key) => {
    if (key.getType() !== ion.IonTypes.STRING)
      throw new JournalImportError(null, 'the completed manifest lists a key that is not a string');
    const text = key.stringValue() as string;
    checkKey(text, strandId);
    return text;
  });
}

/**
 * Finds the journal export in `dir`, as AWS's export readers do: the one final manifest
 * (`<exportId>.<strandId>.completed.manifest`, whose `keys` list the data objects in
 * order) and its export's initial manifest (`<exportId>.started.manifest`). Throws
 * JournalImportError when either is missing, there are several final manifests, or a
 * key is not a data object of the strand inside `dir`.
 */
export async function readJournalExportManifest(dir: string): Promise<JournalExportManifest> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new JournalImportError(null, `${dir} cannot be read (${describe(error)})`);
  }
  const completed = names.flatMap((name) => {
    const parsed = parseCompletedManifestName(name);
    return parsed === null ? [] : [{ name, ...parsed }];
  });
  const [manifest, ...others] = completed;
  if (manifest === undefined)
    throw new JournalImportError(
      null,
      `${dir} holds no <exportId>.<strandId>.completed.manifest: not a completed journal export`,
    );
  if (others.length > 0)
    throw new JournalImportError(
      null,
      `${dir} holds ${completed.length} completed manifests; import one export (one strand) at a time`,
    );
  try {
    await access(join(dir, startedManifestName(manifest.exportId)));
  } catch (error) {
    throw new JournalImportError(
      null,
      `${startedManifestName(manifest.exportId)} is missing (${describe(error)})`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(dir, manifest.name));
  } catch (error) {
    throw new JournalImportError(null, `${manifest.name} cannot be read (${describe(error)})`);
  }
  const keys = keysOf(bytes, manifest.strandId);
  return { exportId: manifest.exportId, strandId: manifest.strandId, keys };
}

// Each block as it is read, so a block that cannot be read stops the import after
// the blocks before it were verified, not before.
function* blocksOfObject(bytes: Uint8Array, key: string): Generator<ExportedBlock> {
  let previous: ExportedBlock | null = null;
  try {
    const reader = ion.makeReader(bytes);
    for (let type = reader.next(); type !== null; type = reader.next()) {
      previous = readExportedBlock(reader);
      yield previous;
    }
  } catch (error) {
    if (error instanceof JournalImportError) throw error;
    const address = error instanceof ExportShapeError ? error.address : null;
    const where = address === null ? `${key}, after block ${previous?.address.sequenceNo ?? 'none'}` : key;
    throw new JournalImportError(address, `${where}: ${describe(error)}`);
  }
}

/**
 * The blocks of the export's data objects, in the manifest's order, one data object
 * read at a time and each block yielded as it is read. Each object must hold the
 * blocks its key names, first to last, as AWS's JournalS3ExportReader checks. Throws
 * JournalImportError for an object that cannot be read, is not Ion, or holds
 * something other than journal blocks.
 */
export async function* exportedBlocks(dir: string, manifest: JournalExportManifest) {
  for (const key of manifest.keys) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(join(dir, ...key.split('/')));
    } catch (error) {
      throw new JournalImportError(null, `data object ${key} cannot be read (${describe(error)})`);
    }
    const named = parseDataObjectKey(key);
    if (named === null)
      throw new JournalImportError(null, `data object ${key} is not named <strandId>.<first>-<last>.ion`);
    let last: ExportedBlock | null = null;
    for (const block of blocksOfObject(bytes, key)) {
      const expected = last === null ? named.first : last.address.sequenceNo + 1;
      if (block.address.sequenceNo !== expected || block.address.sequenceNo > named.last)
        throw new JournalImportError(
          block.address,
          `data object ${key} holds block ${block.address.sequenceNo} where its name says block ${expected <= named.last ? expected : 'none'} comes`,
        );
      last = block;
      yield block;
    }
    if (last?.address.sequenceNo !== named.last)
      throw new JournalImportError(
        last?.address ?? null,
        `data object ${key} ends at block ${last?.address.sequenceNo ?? 'none'}, not at block ${named.last} as its name says`,
      );
  }
}
