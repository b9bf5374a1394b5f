import type { Socket } from 'node:net';

/** Default bound on the bytes of one response head (status line and headers, 1xx heads included). */
export const DEFAULT_MAX_HEADER_BYTES = 16_384;

/** Default bound on the header lines of one response head. */
export const DEFAULT_MAX_HEADERS = 100;

/** Bounds on what a peer may send as a response head. */
export interface ResponseHeadLimits {
  /** Bytes of the head, from the status line to the empty line. */
  readonly maxBytes: number;
  /** Header lines (status lines and the empty line not counted). */
  readonly maxHeaders: number;
}

/** The error a socket is destroyed with when a head breaks a limit. */
export const HEAD_TOO_LARGE = 'LBKIT_HEAD_TOO_LARGE';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Makes `socket` refuse an oversized response head before the HTTP parser
 * sees it. undici checks its header size limit per header and, once over it,
 * destroys the socket but keeps parsing the rest of the chunk it was given,
 * building an error per header: a peer flooding tiny headers (`a:b\r\n` x
 * 200,000) cost ~0.3 s of blocked event loop per 64 KB chunk. Here every chunk
 * read from the socket is scanned while a head is expected (from each request
 * written until the empty line of a final, non-1xx head); a chunk that would
 * take the head past `maxBytes` or `maxHeaders` is dropped and the socket
 * destroyed with an error of code `LBKIT_HEAD_TOO_LARGE`, so the parser never
 * parses more than the limit. Bodies pass through unscanned.
 */
export function limitResponseHead(socket: Socket, limits: ResponseHeadLimits): void {
  let inHead = true;
  let bytes = 0;
  let headers = 0;
  /** Bytes of the current line so far (it may span chunks). */
  let lineBytes = 0;
  /** The last byte seen was CR (for a CRLF split across chunks). */
  let lastCr = false;
  /** The start of the current head's status line, to tell a 1xx head. */
  let status = '';
  let lineNo = 0;

  const startHead = (): void => {
    inHead = true;
    lineBytes = 0;
    lastCr = false;
    status = '';
    lineNo = 0;
  };

  /** Scans one chunk; false when it breaks a limit. */
  const scan = (chunk: Buffer): boolean => {
    let pos = 0;
    while (inHead && pos < chunk.length) {
      const lf = chunk.indexOf(LF, pos);
      const end = lf < 0 ? chunk.length : lf;
      if (lineNo === 0 && status.length < 12) {
        status += chunk.toString('latin1', pos, Math.min(end, pos + 12 - status.length));
      }
      bytes += end - pos + (lf < 0 ? 0 : 1);
      if (bytes > limits.maxBytes) return false;
      if (lf < 0) {
        lineBytes += chunk.length - pos;
        lastCr = chunk[chunk.length - 1] === CR;
        return true;
      }
      const length = lineBytes + (lf - pos);
      const endsCr = lf > pos ? chunk[lf - 1] === CR : lastCr;
      const empty = length === 0 || (length === 1 && endsCr);
      if (empty && lineNo > 0) {
        // The end of a head: a 1xx head is followed by another one (counted together).
        if (/^HTTP\/\d\.\d 1/.test(status)) startHead();
        else inHead = false;
      } else if (empty) {
        status = ''; // a blank line before the status line
      } else {
        if (lineNo > 0) headers++;
        lineNo++;
        if (headers > limits.maxHeaders) return false;
      }
      lineBytes = 0;
      lastCr = false;
      pos = lf + 1;
    }
    return true;
  };

  const push = socket.push.bind(socket);
  socket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (!inHead || !Buffer.isBuffer(chunk) || scan(chunk)) return push(chunk, encoding);
    const what =
      bytes > limits.maxBytes
        ? `larger than ${limits.maxBytes} bytes`
        : `more than ${limits.maxHeaders} headers`;
    socket.destroy(Object.assign(new Error(`response head ${what}`), { code: HEAD_TOO_LARGE }));
    return false;
  };
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  socket.write = ((...args: unknown[]): boolean => {
    // A request goes out: its response head is counted from zero.
    bytes = 0;
    headers = 0;
    startHead();
    return write(...args);
  }) as Socket['write'];
}
