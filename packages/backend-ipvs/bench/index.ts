/**
 * `npm run bench -- ipvs`: our netlink client vs spawning ipvsadm, and the time
 * to sync 1,000 services x 3 destinations. The host kernel has no IPVS, so this
 * re-runs itself inside the kernel VM (scripts/kernel-vm) and relays the tables.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchTable } from '../../../scripts/bench-table.js';
import { createIpvsClient } from '../src/client/netlink-client.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MARK = '@@lbkit-bench ';

async function ipvsHere(): Promise<boolean> {
  if (process.env.LBKIT_IN_VM === '1') return true;
  const client = await createIpvsClient();
  if (client.isErr()) return false;
  client.value.close();
  return true;
}

async function* inVm(): AsyncGenerator<BenchTable> {
  const child = spawn(
    'scripts/kernel-vm',
    ['--', 'node', '--import', 'tsx', 'packages/backend-ipvs/bench/run.ts'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let buffer = '';
  const tables: BenchTable[] = [];
  const tail: string[] = [];
  let wake: (() => void) | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      const at = line.indexOf(MARK);
      if (at >= 0) tables.push(JSON.parse(line.slice(at + MARK.length)) as BenchTable);
      else tail.push(line);
      if (tail.length > 15) tail.shift();
      nl = buffer.indexOf('\n');
    }
    wake?.();
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  let code: number | undefined;
  void exited.then((c) => {
    code = c;
    wake?.();
  });
  while (true) {
    const next = tables.shift();
    if (next) {
      yield next;
      continue;
    }
    if (code !== undefined) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
  if (code !== 0) {
    throw new Error(`kernel VM benchmark exited with status ${code}:\n${tail.join('\n')}`);
  }
}

/** Yields the IPVS benchmark tables (in-process when IPVS is available, else via the VM). */
export async function* bench(): AsyncIterable<BenchTable> {
  if (await ipvsHere()) {
    const { ipvsBench } = await import('./ipvs-bench.js');
    yield* ipvsBench();
  } else {
    yield* inVm();
  }
}
