import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type BalancerLab,
  createBalancerLab,
  dnsmasqNameServerArgv,
  LAB,
  type NetnsLab,
} from '@lbkit/core/testing';

const script = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** What the lab client (`client.mjs`) is asked to do. */
export interface ClientSpec {
  readonly mode: 'tcp' | 'udp' | 'hold' | 'dns-udp' | 'dns-tcp';
  readonly host: string;
  readonly port: number;
  readonly count?: number;
  readonly durationMs?: number;
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  readonly sources?: readonly string[];
  readonly sourcePort?: number;
  readonly intervalMs?: number;
}

/** Tallies of a load run: answers per server name, failures per error code. */
export interface LoadResult {
  readonly counts: Record<string, number>;
  /** Answers per source address and server name, when `sources` was given. */
  readonly bySource: Record<string, Record<string, number>>;
  readonly failures: number;
  readonly errors: Record<string, number>;
  readonly elapsedMs: number;
  /** Epoch ms when the client started sending. */
  readonly startedAt: number;
}

/** Result of a `hold` run (one long-lived TCP connection). */
export interface HoldResult {
  readonly name?: string;
  readonly answered: number;
  readonly failures: number;
  readonly closedEarly: boolean;
  readonly error?: string;
}

/** The standard balancer lab plus name-answering servers and a traffic client. */
export interface TrafficLab extends BalancerLab {
  /** Full name of the balancer namespace. */
  readonly lbNs: string;
  /** Starts `name-server.mjs` in every server (answers `s1`, `s2`...) on these ports. */
  startNameServers(ports: readonly number[]): Promise<ChildProcess[]>;
  /** Starts dnsmasq on port 53 in every server, TXT `health.load.balance` = `nameserver-N`. */
  startDnsmasq(): Promise<ChildProcess[]>;
  /** Runs the client in the client namespace and returns its parsed result. */
  client<T = LoadResult>(spec: ClientSpec): Promise<T>;
  /** Adds extra client source addresses 203.0.113.(3..2+n); returns them. */
  addClientSources(n: number): Promise<string[]>;
  destroy(): Promise<void>;
}

const waitFor = (child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, what: string) =>
  new Promise<void>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} not ready: ${seen}`)), 10_000);
    child[stream]?.on('data', (b: Buffer) => {
      seen += b.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}): ${seen}`));
    });
  });

/** Builds the lab (`prefix` + PID namespaces, documentation ranges). Destroy it in `afterAll`. */
export async function createTrafficLab(prefix: string, serverCount = 3): Promise<TrafficLab> {
  const base = await createBalancerLab(prefix, serverCount);
  const lab: NetnsLab = base.lab;
  // The client closes first, so its side keeps TIME_WAIT: let thousands of
  // connections per second reuse ports instead of slowing down on port search.
  await lab.exec('client', ['sysctl', '-qw', 'net.ipv4.tcp_tw_reuse=1']);
  await lab.exec('client', ['sysctl', '-qw', 'net.ipv4.ip_local_port_range=1024 65000']);
  return {
    ...base,
    lbNs: lab.ns('lb'),
    async startNameServers(ports) {
      const children = base.servers.map((role) =>
        lab.spawn(role, [process.execPath, script('name-server.mjs'), role, ...ports.map(String)]),
      );
      await Promise.all(
        children.map((c, i) => waitFor(c, 'stdout', /ready/, `name server ${i + 1}`)),
      );
      return children;
    },
    async startDnsmasq() {
      const children = base.servers.map((role, i) =>
        lab.spawn(
          role,
          dnsmasqNameServerArgv({ txt: `nameserver-${i + 1}`, listen: LAB.server(i + 1) }),
        ),
      );
      await Promise.all(
        children.map((c, i) => waitFor(c, 'stderr', /started/, `dnsmasq ${i + 1}`)),
      );
      return children;
    },
    async client<T>(spec: ClientSpec): Promise<T> {
      const { stdout } = await lab.exec('client', [
        process.execPath,
        script('client.mjs'),
        JSON.stringify(spec),
      ]);
      return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as T;
    },
    async addClientSources(n) {
      const sources = Array.from({ length: n }, (_, i) => `203.0.113.${3 + i}`);
      for (const s of sources)
        await lab.exec('client', ['ip', 'addr', 'add', `${s}/24`, 'dev', 'eth0', 'nodad']);
      return sources;
    },
    destroy: () => lab.destroy(),
  };
}
