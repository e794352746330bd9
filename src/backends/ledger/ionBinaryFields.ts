// The primitive fields of the Ion binary encoding (amazon-ion.github.io/ion-docs/docs/binary.html),
// each appended big-endian to a byte array. ion-js writes the same bytes.

/** The little-endian bytes of a non-negative integer, none for zero. */
function littleEndian(magnitude: number | bigint): number[] {
  const bytes: number[] = [];
  if (typeof magnitude === 'number') {
    for (let rest = magnitude; rest > 0; rest = Math.floor(rest / 256)) bytes.push(rest % 256);
  } else {
    for (let rest = magnitude; rest > 0n; rest >>= 8n) bytes.push(Number(rest & 0xffn));
  }
  return bytes;
}

/** Ion's UInt: the magnitude's bytes, none for zero. */
export function pushUInt(out: number[], magnitude: number | bigint): void {
  const bytes = littleEndian(magnitude);
  for (let i = bytes.length - 1; i >= 0; i--) out.push(bytes[i] as number);
}

/**
 * Ion's Int: sign and magnitude, the sign in the top bit of the first byte (after a
 * leading 0x00 when the magnitude takes that bit); zero is one byte.
 */
export function pushInt(out: number[], magnitude: number | bigint, negative: boolean): void {
  const bytes = littleEndian(magnitude);
  if (bytes.length === 0 || (bytes.at(-1) as number) >= 0x80) bytes.push(0);
  if (negative) bytes[bytes.length - 1] = (bytes.at(-1) as number) | 0x80;
  for (let i = bytes.length - 1; i >= 0; i--) out.push(bytes[i] as number);
}

/** Ion's VarUInt: 7 bits a byte, the last byte flagged with 0x80. */
export function pushVarUInt(out: number[], value: number): void {
  const groups = [(value & 0x7f) | 0x80];
  for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128)) groups.push(rest & 0x7f);
  for (let i = groups.length - 1; i >= 0; i--) out.push(groups[i] as number);
}

/**
 * Ion's VarInt: a VarUInt whose first byte keeps 0x40 for the sign. -0 is negative
 * zero (0xC0), which only a timestamp's unknown offset uses.
 */
export function pushVarInt(out: number[], value: number): void {
  let rest = Math.abs(value);
  const groups = [(rest & 0x7f) | 0x80];
  rest = Math.floor(rest / 128);
  while (rest > 0 || ((groups.at(-1) as number) & 0x40) !== 0) {
    groups.push(rest & 0x7f);
    rest = Math.floor(rest / 128);
  }
  if (value < 0 || Object.is(value, -0)) groups[groups.length - 1] = (groups.at(-1) as number) | 0x40;
  for (let i = groups.length - 1; i >= 0; i--) out.push(groups[i] as number);
}
