import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NetnsLab } from '@lbkit/core/testing';

/** One line `held-connections.mjs` printed. */
export interface HeldEvent {
  readonly event: 'opened' | 'failed' | 'pinged' | 'closed';
  readonly id?: number;
  readonly name?: string;
  readonly error?: string;
  readonly answers?: Record<string, string | null>;
  /** Epoch ms of a `closed`. */
  readonly at?: number;
}

/** Long-lived TCP connections from the lab client, opened, pinged and closed on demand. */
export interface HeldClient {
  /** Opens `n` connections one after another; resolves to their events in order. */
  open(n: number): Promise<HeldEvent[]>;
  /** Writes a line on every open connection: which server answered each (null: none in 1 s). */
  ping(): Promise<Record<string, string | null>>;
  /** Ends connection `id` (FIN): resolves when it is closed, with the epoch ms. */
  close(id: number): Promise<number>;
  /** Kills the client process (by PID). */
  stop(): Promise<void>;
}

const script = fileURLToPath(new URL('./held-connections.mjs', import.meta.url));

/** Starts `held-connections.mjs` in the lab's `client` namespace towards `host`:`port`. */
export function startHeldClient(lab: NetnsLab, host: string, port: number): HeldClient {
  const child: ChildProcess = lab.spawn('client', [process.execPath, script, host, String(port)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const seen: HeldEvent[] = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      seen.push(JSON.parse(buffer.slice(0, i)) as HeldEvent);
      buffer = buffer.slice(i + 1);
    }
    for (const wake of waiters.splice(0)) wake();
  });
  /** Waits (at most 10 s) until `count` more events arrived; returns them. */
  const take = async (count: number): Promise<HeldEvent[]> => {
    const deadline = Date.now() + 10_000;
    while (seen.length < count) {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`held client: ${seen.length} of ${count} events`);
      }
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return seen.splice(0, count);
  };
  const send = (line: string) => child.stdin?.write(`${line}\n`);
  return {
    async open(n) {
      send(`open ${n}`);
      return take(n);
    },
    async ping() {
      send('ping');
      return (await take(1))[0]!.answers ?? {};
    },
    async close(id) {
      send(`close ${id}`);
      return (await take(1))[0]!.at ?? Date.now();
    },
    stop: () => lab.kill(child),
  };
}
