/**
 * Byte-level diff for wire tests: both buffers as 16-byte hexdump lines side by
 * side, differing lines marked with `!` and the first differing offset named.
 */

const hexLine = (bytes: Uint8Array, at: number): string => {
  const slice = bytes.subarray(at, at + 16);
  const hex = Array.from(slice, (b) => b.toString(16).padStart(2, '0')).join(' ');
  return hex.padEnd(47);
};

/** Hexdump of a buffer: `0000  01 02 ...` lines of 16 bytes. */
export function hexdump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    lines.push(`${at.toString(16).padStart(4, '0')}  ${hexLine(bytes, at).trimEnd()}`);
  }
  return lines.join('\n');
}

/** `undefined` when equal; otherwise a readable side-by-side diff (expected | actual). */
export function hexdumpDiff(expected: Uint8Array, actual: Uint8Array): string | undefined {
  const length = Math.max(expected.length, actual.length);
  let first = -1;
  for (let i = 0; i < length; i++) {
    if (expected[i] !== actual[i]) {
      first = i;
      break;
    }
  }
  if (first < 0) return undefined;
  const lines = [
    `bytes differ at offset ${first} (0x${first.toString(16)}); lengths expected ${expected.length}, actual ${actual.length}`,
    `      ${'expected'.padEnd(47)} | actual`,
  ];
  for (let at = 0; at < length; at += 16) {
    const e = hexLine(expected, at);
    const a = hexLine(actual, at);
    lines.push(`${e === a ? ' ' : '!'}${at.toString(16).padStart(4, '0')} ${e} | ${a.trimEnd()}`);
  }
  return lines.join('\n');
}

/** Throws with a hexdump diff when the buffers differ (for `expect`-less wire assertions). */
export function assertBytesEqual(actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  const diff = hexdumpDiff(expected, actual);
  if (diff) throw new Error(`${what} differ:\n${diff}`);
}
