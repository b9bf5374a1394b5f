import type { Readable } from 'node:stream';

/** Calls `onLine` for each complete line of `stream` (UTF-8, without the newline). */
export function onLines(stream: Readable | null | undefined, onLine: (line: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    rest += chunk;
    let end = rest.indexOf('\n');
    while (end >= 0) {
      onLine(rest.slice(0, end));
      rest = rest.slice(end + 1);
      end = rest.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (rest !== '') onLine(rest);
    rest = '';
  });
}

/** Resolves when `predicate` is true, polling every 20 ms; rejects with `what` after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs: number,
  what: string | (() => string),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
