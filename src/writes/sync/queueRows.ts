import type { Row } from '../../core/database.ts';
import type { CapturedChange, OutboxEntry } from './syncTypes.ts';

function date(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

function json(value: unknown): Row {
  return (typeof value === 'string' ? JSON.parse(value) : value) as Row;
}

function nullableText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** A row of `figway.legacy_changes` as the applier takes it. */
export function toCapturedChange(row: Row): CapturedChange {
  return {
    id: Number(row.id),
    entity: String(row.entity) as CapturedChange['entity'],
    entityId: String(row.entity_id),
    tableName: String(row.table_name) as CapturedChange['tableName'],
    operation: String(row.operation) as CapturedChange['operation'],
    rowData: json(row.row_data),
    before: row.before_data === null || row.before_data === undefined ? null : json(row.before_data),
    origin: String(row.origin),
    actor: nullableText(row.actor),
    transactionId: String(row.transaction_id),
    capturedAt: date(row.captured_at),
  };
}

/** A row of `figway.outbox` as the applier takes it. */
export function toOutboxEntry(row: Row): OutboxEntry {
  return {
    id: Number(row.id),
    entity: 'commitment',
    entityId: String(row.entity_id),
    unit: String(row.unit),
    stage: String(row.stage),
    actor: nullableText(row.actor),
    revision: Number(row.revision),
    createdAt: date(row.created_at),
  };
}
