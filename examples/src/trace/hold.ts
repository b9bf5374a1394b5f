/**
 * Long-lived TCP connections to an echo service (the pair demo counts them
 * across a failover): opens `connections` connections, reads the server's
 * name line, then sends a line every `every` ms on each and expects it back.
 * A connection is broken when it errors (a reset), is closed by the peer or
 * never opens; stalled when it is open but silent for the last 2 s.
 */
import { connect, type Socket } from 'node:net';

/** What the held connections saw. */
export interface HoldSummary {
  readonly type: 'hold';
  readonly connections: number;
  readonly opened: number;
  readonly broken: number;
  readonly stalled: number;
  readonly errors: Readonly<Record<string, number>>;
}

interface Held {
  socket: Socket;
  opened: boolean;
  error?: string;
  last: number;
  stopping: boolean;
}

/** Opens the connections; resolves once each is open or failed. `stop()` ends them with the summary. */
export async function holdConnections(options: {
  readonly host: string;
  readonly port: number;
  readonly connections: number;
  readonly every: number;
}): Promise<{ stop(): HoldSummary }> {
  const held: Held[] = [];
  const open = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = connect({ host: options.host, port: options.port });
      const h: Held = { socket, opened: false, last: 0, stopping: false };
      held.push(h);
      const timer = setTimeout(() => {
        h.error ??= 'TIMEOUT';
        socket.destroy();
      }, 3000);
      socket.setNoDelay(true);
      socket.on('error', (e: NodeJS.ErrnoException) => {
        h.error ??= e.code ?? 'ERROR';
      });
      socket.on('close', () => {
        if (!h.stopping) h.error ??= 'CLOSED';
        clearTimeout(timer);
        resolve();
      });
      socket.on('data', () => {
        h.last = Date.now();
        if (!h.opened) {
          h.opened = true;
          clearTimeout(timer);
          resolve();
        }
      });
    });
  for (let i = 0; i < options.connections; i++) await open();
  const tick = setInterval(() => {
    for (const h of held) if (h.opened && h.error === undefined) h.socket.write('ping\n');
  }, options.every);
  return {
    stop() {
      clearInterval(tick);
      const errors: Record<string, number> = {};
      for (const h of held) if (h.error) errors[h.error] = (errors[h.error] ?? 0) + 1;
      const now = Date.now();
      const summary: HoldSummary = {
        type: 'hold',
        connections: held.length,
        opened: held.filter((h) => h.opened).length,
        broken: held.filter((h) => h.error !== undefined).length,
        stalled: held.filter((h) => h.opened && h.error === undefined && now - h.last > 2000)
          .length,
        errors,
      };
      for (const h of held) {
        h.stopping = true;
        h.socket.destroy();
      }
      return summary;
    },
  };
}
