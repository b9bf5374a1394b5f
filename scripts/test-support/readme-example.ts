/**
 * Runs the README's usage example (its first ```ts block) as root inside network
 * namespaces: two real TCP servers, real client connections through the VIP, a
 * server killed, and a clean stop that keeps the table. Used for the workspace
 * (scripts/readme-example.test.ts) and for the packed packages installed in a
 * project of their own (scripts/packages.test.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BalancerLab, canUseNetns, createBalancerLab, LAB } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The first ```ts block of the README. */
export function readmeExample(): string {
  const readme = readFileSync(`${root}/README.md`, 'utf8');
  const match = readme.match(/```ts\n([\s\S]*?)```/);
  if (!match?.[1]) throw new Error('README has no ```ts example');
  return match[1];
}

const server = (name: string) =>
  `require('node:net').createServer((s) => { s.on('error', () => {}); s.end('${name}\\n'); }).listen(80, '0.0.0.0')`;

const client = (count: number) => `
const net = require('node:net');
(async () => {
  const seen = {};
  for (let i = 0; i < ${count}; i++) {
    const name = await new Promise((resolve) => {
      const s = net.connect({ host: '${LAB.vip}', port: 80, timeout: 2000 });
      let data = '';
      s.on('data', (d) => (data += d));
      s.on('end', () => resolve(data.trim()));
      s.on('error', (e) => resolve('error:' + e.code));
      s.on('timeout', () => { s.destroy(); resolve('timeout'); });
    });
    seen[name] = (seen[name] ?? 0) + 1;
  }
  console.log(JSON.stringify(seen));
})();`;

/** Collects a child's output; `waitFor` resolves once `text` has appeared (now or later). */
function collectOutput(child: ChildProcess) {
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const check of [...waiters]) check();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return {
    waitFor(text: string, timeoutMs = 20_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no "${text}" in output:\n${out}`));
        }, timeoutMs);
        const check = () => {
          if (!out.includes(text)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** How to start the example: `argv` run in the lab's lb namespace, from `cwd`. */
export interface ExampleStart {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The README example's scenario as a describe block (skipped unless root).
 * `prepare` runs in beforeAll, before the lab, and says how to start the example.
 */
export function describeReadmeExample(
  title: string,
  prefix: string,
  prepare: () => ExampleStart | Promise<ExampleStart>,
): void {
  describe.skipIf(!canUseNetns())(title, () => {
    let lab: BalancerLab;
    let example: ChildProcess;
    let output: ReturnType<typeof collectOutput>;
    const servers: ChildProcess[] = [];

    beforeAll(async () => {
      const start = await prepare();
      lab = await createBalancerLab(prefix, 2);
      servers.push(lab.lab.spawn('s1', ['node', '-e', server('web1')]));
      servers.push(lab.lab.spawn('s2', ['node', '-e', server('web2')]));
      example = lab.lab.spawn('lb', [...start.argv], {
        cwd: start.cwd,
        ...(start.env && { env: start.env }),
      });
      output = collectOutput(example);
    });

    afterAll(async () => {
      await lab?.lab.destroy();
    });

    const connect = async (count: number): Promise<Record<string, number>> => {
      const { stdout } = await lab.lab.exec('client', ['node', '-e', client(count)]);
      return JSON.parse(stdout) as Record<string, number>;
    };

    it('balances 1:2 once both servers are up', async () => {
      await output.waitFor('web/web1: unknown -> up');
      await output.waitFor('web/web2: unknown -> up');
      expect(await connect(30)).toEqual({ web1: 10, web2: 20 });
    });

    it('takes a dead server out and keeps serving from the other', async () => {
      const down = output.waitFor('web/web2: up -> down');
      await lab.lab.kill(servers[1]!);
      await down;
      expect(await connect(10)).toEqual({ web1: 10 });
    });

    it('stops on SIGTERM keeping the table', async () => {
      const exited = new Promise<number | null>((resolve) => example.once('exit', resolve));
      example.kill('SIGTERM');
      expect(await exited).toBe(0);
      const table = await lab.lab.exec('lb', ['nft', 'list', 'table', 'inet', 'lbkit']);
      expect(table.stdout).toContain('198.51.100.11');
    });
  });
}
