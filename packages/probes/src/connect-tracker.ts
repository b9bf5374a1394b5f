import type { Socket } from 'node:net';
import { buildConnector } from 'undici';
import { isSelfConnectedTcp, SELF_CONNECT_MESSAGE } from './self-connect.js';

interface OriginState {
  inflight: number;
  readonly connecting: Set<Socket>;
}

/**
 * Wraps undici's connector so that a connect nobody waits for any more is
 * destroyed at once. undici starts a connection per origin and queues requests
 * on it; when the checks that needed it time out or are aborted, undici would
 * keep the half-open connect until its own connect timeout. The HTTP probe
 * counts its checks per origin (`begin`/`end`); when the count drops to zero,
 * every connect still pending for that origin is destroyed. A socket the kernel
 * connected to itself (nothing listens on the port) fails as ECONNREFUSED.
 */
export class ConnectTracker {
  readonly #origins = new Map<string, OriginState>();
  /** Pass as the Agent's `connect` option. */
  readonly connector: buildConnector.connector;

  /** `prepare` is called with every connected socket before undici gets it. */
  constructor(options: buildConnector.BuildOptions, prepare?: (socket: Socket) => void) {
    const base = buildConnector(options);
    this.connector = (opts, callback) => {
      const key = originKey(opts.hostname, opts.port, opts.protocol);
      const state = this.#origins.get(key);
      let socket: Socket | undefined;
      let done = false;
      const returned = base(opts, (error, connected) => {
        done = true;
        if (socket) state?.connecting.delete(socket);
        if (error) callback(error, null);
        else if (isSelfConnectedTcp(connected as Socket, Number(opts.port))) {
          (connected as Socket).resetAndDestroy(); // RST: no TIME_WAIT holding the port
          callback(selfConnectError(opts.hostname, opts.port), null);
        } else {
          prepare?.(connected as Socket);
          callback(null, connected as Socket);
        }
      }) as unknown as Socket | undefined;
      if (!done && returned && state) {
        socket = returned;
        state.connecting.add(socket);
      }
    };
  }

  /** A check to `address`:`port` starts. */
  begin(address: string, port: number, tls: boolean): string {
    const key = originKey(
      address.includes(':') ? `[${address}]` : address,
      String(port),
      tls ? 'https:' : 'http:',
    );
    const state = this.#origins.get(key);
    if (state) state.inflight++;
    else this.#origins.set(key, { inflight: 1, connecting: new Set() });
    return key;
  }

  /** A check started with `begin` settled; returns how many abandoned connects were destroyed. */
  end(key: string): number {
    const state = this.#origins.get(key);
    if (!state) return 0;
    state.inflight--;
    if (state.inflight > 0) return 0;
    this.#origins.delete(key);
    const n = state.connecting.size;
    for (const socket of state.connecting) socket.destroy();
    return n;
  }

  /** Destroys every pending connect (probe close). */
  destroyAll(): void {
    for (const state of this.#origins.values())
      for (const socket of state.connecting) socket.destroy();
    this.#origins.clear();
  }
}

function originKey(hostname: string, port: string, protocol: string): string {
  const p = port === '' ? (protocol === 'https:' ? '443' : '80') : port;
  return `${protocol}//${hostname.toLowerCase()}:${p}`;
}

function selfConnectError(hostname: string, port: string): Error {
  const message = `connect ECONNREFUSED ${hostname}:${port}: ${SELF_CONNECT_MESSAGE}`;
  return Object.assign(new Error(message), { code: 'ECONNREFUSED' });
}
