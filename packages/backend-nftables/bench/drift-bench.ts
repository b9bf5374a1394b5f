import type { BenchRow, BenchTable } from '../../../scripts/bench-table.js';
import { percentile } from '../../../scripts/bench-table.js';
import { createNftablesBackend } from '../src/backend/backend.js';
import { driftBetween } from '../src/backend/state-diff.js';
import { createDefaultTransport } from '../src/transport/default-transport.js';
import { openNftCli } from '../src/transport/nft-cli.js';
import { createLibnftablesTransport } from '../src/transport/text-transport.js';
import { sizes } from './apply-bench.js';
import { benchState } from './services.js';

const VIP = '192.0.2.10';
const ADDRESSES = ['198.51.100.11', '198.51.100.12', '198.51.100.13'];
const ms = (v: number): number => Number(v.toFixed(v < 10 ? 3 : 1));

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const value = await fn();
  return [performance.now() - t, value];
}

/**
 * The periodic drift check at N services: what a check costs when nothing
 * changed (the kernel's generation id answers: one request), when someone
 * else committed elsewhere in the namespace (the whole table dumped and
 * compared), and when the table was deleted (found and rewritten in one
 * transaction); beside the check the backend used to make (the table read
 * as nft JSON through libnftables, compared service by service).
 */
export async function driftTable(netns: string): Promise<BenchTable> {
  const rows: BenchRow[] = [];
  const cli = openNftCli({ netns })._unsafeUnwrap();
  for (const n of sizes().filter((x) => x >= 1000)) {
    const transport = createDefaultTransport({ netns })._unsafeUnwrap();
    const text = createLibnftablesTransport({ netns })._unsafeUnwrap();
    const backend = createNftablesBackend({ transport, conntrack: false })._unsafeUnwrap();
    try {
      const state = benchState(n, VIP, ADDRESSES);
      (await backend.apply(state))._unsafeUnwrap();
      const quiet: number[] = [];
      for (let i = 0; i < 201; i++) {
        const [t, r] = await timed(async () => (await backend.checkDrift())._unsafeUnwrap());
        if (r.method !== 'generation') throw new Error(`quiet check read the table (${r.method})`);
        quiet.push(t);
      }
      const foreign: number[] = [];
      for (let i = 0; i < 3; i++) {
        (
          await cli.run('add table inet lbkn_other\ndelete table inet lbkn_other\n')
        )._unsafeUnwrap();
        // Past the spacing of whole-table reads (10 x the last one), so this check reads it all.
        await new Promise((resolve) => setTimeout(resolve, 10 * (foreign.at(-1) ?? 0) + 1100));
        const [t, r] = await timed(async () => (await backend.checkDrift())._unsafeUnwrap());
        if (r.method !== 'read' || r.found.length > 0)
          throw new Error(`foreign commit: no clean read (${JSON.stringify(r)})`);
        foreign.push(t);
      }
      const repairs: number[] = [];
      for (let i = 0; i < 3; i++) {
        (await cli.run('delete table inet lbkit\n'))._unsafeUnwrap();
        const [t, r] = await timed(async () => (await backend.checkDrift())._unsafeUnwrap());
        if (!r.repaired) throw new Error('deleted table not repaired');
        repairs.push(t);
      }
      const naive: number[] = [];
      // At 10,000 services one such read takes many minutes here (nft's JSON listing): not run.
      for (let i = 0; i < (n >= 10_000 ? 0 : 3); i++) {
        const [t, lines] = await timed(async () =>
          driftBetween(state, (await text.read())._unsafeUnwrap()),
        );
        if (lines.length > 0) throw new Error('naive read found drift');
        naive.push(t);
      }
      rows.push({
        services: n,
        'nothing changed: median ms (generation)': ms(percentile(quiet, 50)),
        'p99 ms': ms(percentile(quiet, 99)),
        'after a foreign commit ms (dump + compare)': ms(percentile(foreign, 50)),
        'deleted table: found + repaired ms': ms(percentile(repairs, 50)),
        'naive: nft JSON read + compare ms':
          naive.length > 0 ? ms(percentile(naive, 50)) : 'not run (minutes)',
        samples: `${quiet.length}/${foreign.length}/${repairs.length}/${naive.length}`,
      });
    } finally {
      await backend.close();
      transport.close();
      text.close();
    }
  }
  cli.close();
  return {
    title: 'drift check: one check of the whole table (the balancer runs one a second)',
    rows,
    note:
      "checkDrift() wall time. nothing changed = the namespace's nf_tables generation id (NFT_MSG_GETGEN) is the one lbkit's own last commit produced, and the table's flags and comment are read (NFT_MSG_GETTABLE): two netlink requests, whatever N.\n" +
      'after a foreign commit = someone committed elsewhere in the namespace (a table added and deleted): the table is probed at once, and every chain, rule, set and element is dumped and compared with the batch lbkit would send (at most every 10 x the last such read; the event loop runs between its requests).\n' +
      'deleted table = the check finds it missing and rewrites the whole table in one transaction.\n' +
      'naive = what the backend used to do on a check: list the table as nft JSON through libnftables and compare services and destinations.',
  };
}
