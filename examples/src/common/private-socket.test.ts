import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listenPrivate } from './private-socket.js';

const isRoot = process.geteuid?.() === 0;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;

/** What `nobody` gets when it connects to `path`: the error code, or `connected`. */
function connectAsNobody(path: string): string {
  const script = `require('node:net').connect(process.argv[1]).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); });`;
  return execFileSync(
    'setpriv',
    [
      '--reuid',
      'nobody',
      '--regid',
      'nogroup',
      '--clear-groups',
      process.execPath,
      '-e',
      script,
      path,
    ],
    { encoding: 'utf8', timeout: 10_000 },
  ).trim();
}

/** A socket file nobody listens on, as a killed daemon leaves it. */
function staleSocket(path: string): void {
  execFileSync('python3', [
    '-c',
    'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
    path,
  ]);
}

const canConnect = (path: string): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('listenPrivate', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lbkx-sock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes the directory 0700 and the socket 0600, and removes the socket on close', async () => {
    const path = join(dir, 'run', 'nft_lb.sock');
    const made = await listenPrivate(createServer(), path);
    expect(made.isOk(), made.isErr() ? made.error : '').toBe(true);
    expect(lstatSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    expect(await canConnect(path)).toBe(true);
    await made._unsafeUnwrap().close();
    expect(() => lstatSync(path)).toThrow(/ENOENT/);
  });

  it.skipIf(!isRoot || !hasSetpriv)(
    'refuses other users: EACCES from the 0700 directory and from the 0600 socket',
    async () => {
      const inPrivate = join(dir, 'run', 'a.sock');
      const a = await listenPrivate(createServer(), inPrivate);
      // A socket in a directory others may enter: the socket's own 0600 refuses them.
      const open = join(dir, 'open');
      mkdirSync(open, { mode: 0o755 });
      chmodSync(open, 0o755);
      chmodSync(dir, 0o755);
      const inOpen = join(open, 'b.sock');
      const b = await listenPrivate(createServer(), inOpen);
      try {
        expect(connectAsNobody(inPrivate)).toBe('EACCES');
        expect(connectAsNobody(inOpen)).toBe('EACCES');
        expect(await canConnect(inOpen)).toBe(true);
      } finally {
        await a._unsafeUnwrap().close();
        await b._unsafeUnwrap().close();
      }
    },
  );

  it('replaces a stale socket of a dead process, refuses one a live process answers on', async () => {
    const path = join(dir, 'x.sock');
    staleSocket(path);
    expect(await canConnect(path)).toBe(false);
    const first = await listenPrivate(createServer(), path);
    expect(first.isOk(), first.isErr() ? first.error : '').toBe(true);
    const second = await listenPrivate(createServer(), path);
    expect(second._unsafeUnwrapErr()).toMatch(/another process answers on it/);
    // The live one is untouched.
    expect(await canConnect(path)).toBe(true);
    await first._unsafeUnwrap().close();
  });

  it('refuses a symlink, a file and a directory at the path, and leaves them alone', async () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'keep me');
    const cases: Array<[string, () => void, RegExp]> = [
      [
        'link.sock',
        () => symlinkSync(target, join(dir, 'link.sock')),
        /is a symlink, not a socket/,
      ],
      ['file.sock', () => writeFileSync(join(dir, 'file.sock'), 'x'), /is a file, not a socket/],
      ['dir.sock', () => mkdirSync(join(dir, 'dir.sock')), /is a directory, not a socket/],
    ];
    for (const [name, make, message] of cases) {
      make();
      const path = join(dir, name);
      const before = lstatSync(path);
      expect((await listenPrivate(createServer(), path))._unsafeUnwrapErr()).toMatch(message);
      expect(lstatSync(path).ino).toBe(before.ino);
    }
  });

  it('refuses a directory that is a symlink, writable by others, or not ours', async () => {
    const real = join(dir, 'real');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(dir, 'linked'));
    expect(
      (await listenPrivate(createServer(), join(dir, 'linked', 's.sock')))._unsafeUnwrapErr(),
    ).toMatch(/linked: is a symlink/);
    const loose = join(dir, 'loose');
    mkdirSync(loose);
    chmodSync(loose, 0o777);
    expect((await listenPrivate(createServer(), join(loose, 's.sock')))._unsafeUnwrapErr()).toMatch(
      /mode 0777 lets others replace the socket/,
    );
    if (isRoot) {
      const foreign = join(dir, 'foreign');
      mkdirSync(foreign, { mode: 0o700 });
      execFileSync('chown', ['nobody', foreign]);
      expect(
        (await listenPrivate(createServer(), join(foreign, 's.sock')))._unsafeUnwrapErr(),
      ).toMatch(/belongs to uid \d+, not to this process/);
    }
  });
});
