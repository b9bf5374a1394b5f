/**
 * A unix socket only its owner can use, created safely: the directory is
 * made 0700 when missing and must otherwise be a real directory (not a
 * symlink) of ours that no one else can write; a socket left by a dead
 * process is replaced, one a live process answers on is refused, anything
 * else at the path (a file, a symlink, someone else's socket) is refused and
 * left alone. The socket is bound under umask 0177 (never reachable with
 * looser bits) and checked 0600 after. `close()` removes it, only if the path
 * is still the socket this process made.
 */
import { chmodSync, lstatSync, mkdirSync, type Stats, unlinkSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { dirname } from 'node:path';
import { err, ok, type Result } from 'neverthrow';

/** A listening private socket. */
export interface PrivateSocket {
  readonly path: string;
  /** Stops listening and removes the socket file (if it is still ours). */
  close(): Promise<void>;
}

const uid = (): number => process.geteuid?.() ?? 0;

const lstat = (path: string): Stats | undefined => {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};

const mode = (stats: Stats): string => `0${(stats.mode & 0o777).toString(8)}`;

/** The directory exists (made 0700 if it was missing), is ours and not writable by others. */
function ensureDirectory(dir: string): Result<void, string> {
  let stats = lstat(dir);
  if (!stats) {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (error) {
      // EEXIST: made meanwhile; it is checked below like any existing one.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        return err(`${dir}: cannot create: ${(error as Error).message}`);
      }
    }
    stats = lstat(dir);
  }
  if (!stats) return err(`${dir}: vanished while being created`);
  if (stats.isSymbolicLink()) return err(`${dir}: is a symlink; refusing to use it`);
  if (!stats.isDirectory()) return err(`${dir}: is not a directory; refusing to use it`);
  if (stats.uid !== uid()) {
    return err(`${dir}: belongs to uid ${stats.uid}, not to this process; refusing to use it`);
  }
  if ((stats.mode & 0o022) !== 0) {
    return err(`${dir}: mode ${mode(stats)} lets others replace the socket; refusing to use it`);
  }
  return ok(undefined);
}

/** Resolves `live` when something accepts a connection on `path`, `dead` when refused. */
function probe(path: string): Promise<'live' | 'dead' | 'gone'> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('live'); // accepted but silent, or a full backlog: someone is there
    }, 1000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('live');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code === 'ENOENT' ? 'gone' : error.code === 'ECONNREFUSED' ? 'dead' : 'live');
    });
  });
}

/** Makes `path` free for a new socket, or says why not. */
async function claimPath(path: string): Promise<Result<void, string>> {
  const stats = lstat(path);
  if (!stats) return ok(undefined);
  if (!stats.isSocket()) {
    const what = stats.isSymbolicLink()
      ? 'a symlink'
      : stats.isDirectory()
        ? 'a directory'
        : 'a file';
    return err(`${path}: is ${what}, not a socket; refusing to replace it`);
  }
  if (stats.uid !== uid()) {
    return err(`${path}: a socket of uid ${stats.uid}; refusing to replace it`);
  }
  const state = await probe(path);
  if (state === 'live') {
    return err(
      `${path}: another process answers on it (a second nft-lb in another network namespace?); refusing to replace it`,
    );
  }
  if (state === 'dead') {
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        return err(`${path}: cannot remove the stale socket: ${(error as Error).message}`);
      }
    }
  }
  return ok(undefined);
}

/** Binds `server` on `path` with umask 0177; resolves once listening. */
function bind(server: Server, path: string): Promise<Result<void, string>> {
  return new Promise((resolve) => {
    const onError = (error: Error) => resolve(err(`${path}: cannot listen: ${error.message}`));
    server.once('error', onError);
    const previous = process.umask(0o177);
    try {
      server.listen(path, () => {
        server.off('error', onError);
        resolve(ok(undefined));
      });
    } finally {
      process.umask(previous);
    }
  });
}

/**
 * Listens with `server` on `path` as described in the module comment.
 * Fails (with a sentence naming the path) without touching what it refuses.
 */
export async function listenPrivate(
  server: Server,
  path: string,
): Promise<Result<PrivateSocket, string>> {
  try {
    const dir = ensureDirectory(dirname(path));
    if (dir.isErr()) return err(dir.error);
    const claimed = await claimPath(path);
    if (claimed.isErr()) return err(claimed.error);
    const bound = await bind(server, path);
    if (bound.isErr()) return err(bound.error);
    chmodSync(path, 0o600);
    const made = lstatSync(path);
    if (!made.isSocket() || (made.mode & 0o777) !== 0o600) {
      server.close();
      return err(`${path}: the socket is not 0600 after creation; closed`);
    }
    return ok({
      path,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Node removes a unix socket it listened on when it closes; this covers the rest.
          const now = lstat(path);
          if (now?.isSocket() && now.ino === made.ino && now.dev === made.dev) {
            try {
              unlinkSync(path);
            } catch {
              // Gone already: nothing to remove.
            }
          }
        }),
    });
  } catch (error) {
    return err(`${path}: ${(error as Error).message}`);
  }
}
