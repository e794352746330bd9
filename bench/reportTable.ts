/** A table's columns: each one's title and width in characters. */
export type TableColumns = ReadonlyArray<readonly [title: string, width: number]>;

/** `value` with thousands separators and exactly `digits` decimals, or `-` when it is not finite. */
export function formatNumber(value: number, digits = 0): string {
  return Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '-';
}

/**
 * One row of a table: the first cell indented two spaces and padded to its width on
 * the right, the others right-aligned in theirs (8 characters past the last column).
 */
export function tableCells(columns: TableColumns, values: string[]): string {
  return values
    .map((value, index) => {
      const [, width] = columns[index] ?? ['', 8];
      return index === 0 ? `  ${value}`.padEnd(width) : value.padStart(width);
    })
    .join('');
}
