/**
 * Test helper: the exact netlink batch nft sends for a script, captured with
 * `strace -e write=all` while nft applies it in a named network namespace.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NFNL } from '../wire/uapi.js';

/** Every `sendmsg` payload of an strace log (`-e write=all` hex dump lines), in order. */
export function sentPayloads(log: string): Uint8Array[] {
  const out: number[][] = [];
  let current: number[] | undefined;
  for (const line of log.split('\n')) {
    if (/\bsendmsg\(/.test(line)) {
      current = [];
      out.push(current);
      continue;
    }
    const m = /^ \| [0-9a-f]+ {2}((?:[0-9a-f]{2} {1,2})+)/.exec(line);
    if (m && current)
      for (const byte of m[1]!.trim().split(/\s+/)) current.push(Number.parseInt(byte, 16));
  }
  return out.map((bytes) => Uint8Array.from(bytes));
}

/**
 * Applies `script` with `nft -f` inside `netns` and returns the batch nft sent
 * (the `sendmsg` that starts with `NFNL_MSG_BATCH_BEGIN`). Throws when nft
 * fails or no batch was seen.
 */
export function captureNftBatch(netns: string, script: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'lbkn-capture-'));
  try {
    const file = join(dir, 'script.nft');
    const log = join(dir, 'strace.log');
    writeFileSync(file, script);
    const r = spawnSync(
      'ip',
      [
        'netns',
        'exec',
        netns,
        'strace',
        '-f',
        '-e',
        'trace=sendmsg',
        '-e',
        'write=all',
        '-e',
        'abbrev=all',
        '-s',
        '0',
        '-o',
        log,
        'nft',
        '-f',
        file,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (r.status !== 0) throw new Error(`nft -f under strace failed: ${r.stderr}`);
    const batch = sentPayloads(readFileSync(log, 'utf8')).find(
      (b) => b.length >= 20 && (b[4]! | (b[5]! << 8)) === NFNL.MSG_BATCH_BEGIN,
    );
    if (!batch) throw new Error('no nf_tables batch in the strace log');
    return batch;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * nft also numbers sets that already exist in the kernel (from its cache) and
 * sends those ids with their elements; the kernel finds such a set by name and
 * ignores the id. Drops `NFTA_SET_ELEM_LIST_SET_ID` from element messages, and
 * `NFTA_LOOKUP_SET_ID` from rule lookups, of sets not declared in the same
 * batch (a `describeBatch` listing).
 */
export function withoutCacheSetIds(listing: string): string {
  const declared = new Set<string>();
  const messages = listing.split(/\n(?=[A-Z])/);
  return messages
    .map((m) => {
      const name = /^ {2}2 ("[^"]*")$/m.exec(m)?.[1];
      if (m.startsWith('NEWSET ') && name) declared.add(name);
      if (m.startsWith('NEWSETELEM ') && name && !declared.has(name)) {
        return m.replace(/\n {2}4 [0-9a-f]{8}(?=\n)/, '');
      }
      if (m.startsWith('NEWRULE ')) {
        // A lookup's NFTA_LOOKUP_SET_ID (4) right after its set name (1).
        return m.replace(/(\n +1 "([^"]*)")\n +4 [0-9a-f]{8}(?=\n)/g, (all, head, set) =>
          declared.has(`"${set}"`) ? all : head,
        );
      }
      return m;
    })
    .join('\n');
}
