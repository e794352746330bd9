import type { OltpStore } from '../backends/oltp/oltpStore.ts';
import type { Viewer } from '../backends/viewer.ts';
import { DateTime } from '../schema/dateTimeScalar.ts';
import { type BatchObserver, checkedIds } from './batchIds.ts';
import { buildServiceSchema, type ServiceContext, type TargetService } from './targetService.ts';

/** Options of {@link createOltpService}. */
export interface OltpServiceOptions {
  oltp: OltpStore;
  /** @default does nothing */
  onBatch?: BatchObserver;
}

/**
 * The OLTP target as a GraphQL service: profiles and commitment types by key, and the
 * list of types, read from the OLTP store as the caller (profiles only for signed-in callers).
 */
export async function createOltpService(options: OltpServiceOptions): Promise<TargetService> {
  const { oltp } = options;
  const onBatch = options.onBatch ?? (() => {});
  const batch = (field: string, ids: readonly string[]) => {
    const wanted = checkedIds(field, ids);
    onBatch(field, wanted.length);
    return wanted;
  };
  const Query = {
    profilesByIds: (_: unknown, args: { ids: string[] }, context: ServiceContext) =>
      oltp.profilesByIds(context.viewer, batch('profilesByIds', args.ids)),
    commitmentTypesByIds: (_: unknown, args: { ids: string[] }, context: ServiceContext) =>
      oltp.commitmentTypesByIds(context.viewer, batch('commitmentTypesByIds', args.ids)),
    commitmentTypes: (_: unknown, __: unknown, context: ServiceContext) =>
      oltp.listCommitmentTypes(context.viewer),
  };
  const { schema, version } = await buildServiceSchema('oltp', { DateTime, Query });
  return {
    kind: 'oltp',
    schema,
    version,
    createContext: (viewer: Viewer) => ({ viewer }),
    health: { oltp: { name: `oltp (${oltp.db.engine})`, ping: oltp.ping } },
  };
}
