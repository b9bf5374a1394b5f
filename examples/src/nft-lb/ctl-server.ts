/**
 * The daemon's side of the control socket: a private unix socket
 * (`listenPrivate`: 0700 directory, 0600 socket, stale replaced, live
 * refused) that reads one request line per connection and answers one line.
 * Bounded: a request line of at most `MAX_REQUEST_BYTES`, at most
 * `maxClients` connections at once (the next gets a `busy` answer), and
 * `idleMs` for a client to send its line. Oversized, garbage, non-UTF-8 or
 * unterminated input gets an error answer; nothing a client sends can throw
 * in the daemon.
 */
import { createServer, type Socket } from 'node:net';
import { err, ok, type Result } from 'neverthrow';
import { listenPrivate } from '../common/private-socket.js';
import {
  type CtlRequest,
  type CtlResponse,
  failure,
  MAX_REQUEST_BYTES,
  parseCtlRequest,
  responseLine,
} from './ctl-protocol.js';

/** Options of `startCtlServer`. */
export interface CtlServerOptions {
  readonly path: string;
  /** Answers one valid request; a rejection becomes an `internal error` answer. */
  readonly handle: (request: CtlRequest) => Promise<CtlResponse>;
  /** Connections served at once. Default 8. */
  readonly maxClients?: number;
  /** Time a client has to send its request line (ms). Default 5000. */
  readonly idleMs?: number;
  /** Longest request line (bytes). Default `MAX_REQUEST_BYTES`. */
  readonly maxRequestBytes?: number;
}

/** A listening control socket. */
export interface CtlServer {
  readonly path: string;
  /** Drops the connections, stops listening and removes the socket. */
  close(): Promise<void>;
}

/** Listens on `options.path`; fails with a sentence when the path is refused. */
export async function startCtlServer(
  options: CtlServerOptions,
): Promise<Result<CtlServer, string>> {
  const maxClients = options.maxClients ?? 8;
  const idleMs = options.idleMs ?? 5000;
  const maxBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES;
  const clients = new Set<Socket>();

  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {
      // A client that went away (EPIPE, ECONNRESET) is no concern of the daemon.
    });
    if (clients.size >= maxClients) {
      socket.end(responseLine(failure(`busy: ${maxClients} clients connected; try again`)));
      socket.setTimeout(1000, () => socket.destroy());
      return;
    }
    clients.add(socket);
    socket.once('close', () => clients.delete(socket));
    serveOne(socket, options.handle, maxBytes, idleMs);
  });
  const listening = await listenPrivate(server, options.path);
  if (listening.isErr()) return err(listening.error);
  return ok({
    path: options.path,
    async close() {
      for (const socket of clients) socket.destroy();
      await listening.value.close();
    },
  });
}

/**
 * Reads one line from `socket`, answers it, closes. `idleMs` bounds the whole
 * read (a client dripping one byte at a time cannot hold a slot), and the
 * time a finished answer may stay unread.
 */
function serveOne(
  socket: Socket,
  handle: CtlServerOptions['handle'],
  maxBytes: number,
  idleMs: number,
): void {
  const chunks: Buffer[] = [];
  let length = 0;
  let reading = true;
  const stopReading = (): void => {
    reading = false;
    socket.removeAllListeners('data');
    socket.pause();
  };
  const finish = (response: CtlResponse): void => {
    if (socket.destroyed) return;
    socket.end(responseLine(response));
    setTimeout(() => socket.destroy(), idleMs).unref();
  };
  const deadline = setTimeout(() => {
    if (!reading) return;
    stopReading();
    finish(failure(`no request line within ${idleMs} ms`));
  }, idleMs);
  deadline.unref();
  socket.once('close', () => clearTimeout(deadline));
  socket.on('data', (chunk: Buffer) => {
    const end = chunk.indexOf(0x0a);
    const take = end < 0 ? chunk : chunk.subarray(0, end);
    length += take.length;
    if (length > maxBytes) {
      stopReading();
      finish(failure(`request line longer than ${maxBytes} bytes`));
      return;
    }
    chunks.push(take);
    if (end < 0) return;
    stopReading();
    clearTimeout(deadline);
    void respond(Buffer.concat(chunks), handle).then(finish);
  });
  socket.once('end', () => {
    if (!reading) return;
    stopReading();
    clearTimeout(deadline);
    finish(failure(length === 0 ? 'empty request' : 'incomplete request: no line end'));
  });
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The answer to one request line. Never rejects. */
async function respond(bytes: Buffer, handle: CtlServerOptions['handle']): Promise<CtlResponse> {
  let line: string;
  try {
    line = decoder.decode(bytes).replace(/\r$/, '');
  } catch {
    return failure('the request is not UTF-8');
  }
  const request = parseCtlRequest(line);
  if (request.isErr()) return failure(request.error);
  try {
    return await handle(request.value);
  } catch (error) {
    return failure(`internal error: ${(error as Error).message}`);
  }
}
