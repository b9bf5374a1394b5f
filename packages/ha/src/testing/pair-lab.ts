/**
 * A balancer pair in network namespaces (documentation ranges only), for the
 * HA tests, the bench and `npm run demo -- --ha`:
 *
 * ```
 *                  front bridge 203.0.113.0/24             back bridge 198.51.100.0/24
 * client .2 (+.20-.29) ── [sw] ── b1 eth0 .3   b1 eth1 .2 ── [sw] ── s1 .11, s2 .12, s3 .13
 *                               ── b2 eth0 .4   b2 eth1 .3 ──
 *   VIP 203.0.113.10 (service side)          inner VIP 198.51.100.1 (servers' side)
 *                    b1 eth2 192.0.2.1 ── [sw sync bridge] ── b2 eth2 192.0.2.2 (conntrackd)
 * ```
 *
 * The VIPs are on no node until keepalived puts them there. The servers'
 * default route is the inner VIP (level 3: replies go back through whichever
 * node owns it); `level: 2` leaves the servers without any route off their
 * segment, so replies work only when the balancer SNATs to the inner VIP.
 * A node is lost by cutting its links at the switch (`cut`) or by deleting its
 * namespace with everything in it (`crash`). `destroy()` removes every
 * namespace and ends every keepalived of the lab by PID, also after a crash.
 * @module
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NetnsLab } from '@lbkit/core/testing';
import type { ConntrackdInput, HaInput } from '../options.js';

const execFileAsync = promisify(execFile);

/** The two balancer nodes. */
export type PairNode = 'b1' | 'b2';
/** Both nodes, b1 first (b1 has the higher priority). */
export const PAIR_NODES: readonly PairNode[] = ['b1', 'b2'];

/** Addresses of the pair lab. */
export const PAIR = {
  vip: '203.0.113.10',
  innerVip: '198.51.100.1',
  client: '203.0.113.2',
  /** Extra client addresses, for "same client, same destination" checks. */
  clientSources: Array.from({ length: 10 }, (_, i) => `203.0.113.${20 + i}`),
  front: { b1: '203.0.113.3', b2: '203.0.113.4' },
  back: { b1: '198.51.100.2', b2: '198.51.100.3' },
  /** The dedicated sync link (conntrackd), `eth2` on each node. */
  sync: { b1: '192.0.2.1', b2: '192.0.2.2' },
  server: (i: number): string => `198.51.100.${10 + i}`,
  /** VRRP priorities: b1 is the preferred master. */
  priority: { b1: 150, b2: 100 },
} as const;

/** Options of `createPairLab`. */
export interface PairLabOptions {
  /** Namespace prefix (the PID is appended), e.g. `lbkh`. */
  readonly prefix: string;
  /** Servers `s1..sN`. Default 3. */
  readonly servers?: number;
  /** 3 (default): servers route via the inner VIP; 2: no route (SNAT needed). */
  readonly level?: 2 | 3;
}

const other = (node: PairNode): PairNode => (node === 'b1' ? 'b2' : 'b1');

/** A built pair lab. */
export class PairLab {
  readonly lab: NetnsLab;
  readonly servers: readonly string[];
  readonly level: 2 | 3;
  readonly #dirs = new Map<PairNode, string>();
  readonly #crashed = new Set<PairNode>();
  #hostAttached = false;
  /** keepalived pids seen per node, ended by `destroy()`. */
  readonly #keepalived = new Set<number>();

  private constructor(lab: NetnsLab, servers: readonly string[], level: 2 | 3) {
    this.lab = lab;
    this.servers = servers;
    this.level = level;
    for (const node of PAIR_NODES) {
      this.#dirs.set(node, mkdtempSync(join(tmpdir(), `${lab.prefix}-${node}-`)));
    }
  }

  /** Builds the lab; destroys what it made when a step fails. */
  static async create(options: PairLabOptions): Promise<PairLab> {
    const lab = new NetnsLab(options.prefix);
    const count = options.servers ?? 3;
    const servers = Array.from({ length: count }, (_, i) => `s${i + 1}`);
    const pair = new PairLab(lab, servers, options.level ?? 3);
    try {
      await pair.#build();
      return pair;
    } catch (error) {
      await pair.destroy();
      throw error;
    }
  }

  async #build(): Promise<void> {
    const lab = this.lab;
    // A name for this process's namespace (the host's): keepalived is started
    // from there, where it can watch processes (track_process).
    await execFileAsync('ip', ['netns', 'attach', this.ns('host'), String(process.pid)]);
    this.#hostAttached = true;
    await lab.add('sw');
    for (const bridge of ['front', 'back', 'sync']) {
      await lab.exec('sw', ['ip', 'link', 'add', bridge, 'type', 'bridge']);
      await lab.exec('sw', ['ip', 'link', 'set', bridge, 'up']);
    }
    const plug = async (
      role: string,
      ifname: string,
      bridge: 'front' | 'back' | 'sync',
      addresses: readonly string[],
    ) => {
      const port = `${bridge[0]}-${role}`;
      await lab.link({ role: 'sw', ifname: port }, { role, ifname, addresses });
      await lab.exec('sw', ['ip', 'link', 'set', port, 'master', bridge]);
    };
    await lab.add('client');
    await plug('client', 'eth0', 'front', [
      `${PAIR.client}/24`,
      ...PAIR.clientSources.map((a) => `${a}/24`),
    ]);
    for (const node of PAIR_NODES) {
      await lab.add(node);
      await lab.forwarding(node);
      await plug(node, 'eth0', 'front', [`${PAIR.front[node]}/24`]);
      await plug(node, 'eth1', 'back', [`${PAIR.back[node]}/24`]);
      await plug(node, 'eth2', 'sync', [`${PAIR.sync[node]}/24`]);
    }
    for (const [i, role] of this.servers.entries()) {
      await lab.add(role);
      await plug(role, 'eth0', 'back', [`${PAIR.server(i + 1)}/24`]);
      if (this.level === 3) await lab.route(role, 'default', 'via', PAIR.innerVip);
    }
  }

  /** The full namespace name of a role. */
  ns(role: string): string {
    return this.lab.ns(role);
  }

  /** A private run directory for `node`'s keepalived files. */
  runDir(node: PairNode): string {
    return this.#dirs.get(node)!;
  }

  /**
   * The HA options of `node` in this lab: service VIP on eth0 and inner VIP on
   * eth1 in one sync group, unicast adverts to the peer, keepalived in the
   * node's namespace, its own run directory and process name.
   */
  haInput(node: PairNode, extra: Partial<HaInput> = {}): HaInput {
    const peer = other(node);
    return {
      priority: PAIR.priority[node],
      service: {
        interface: 'eth0',
        virtualRouterId: 51,
        vips: [`${PAIR.vip}/24`],
        unicastPeers: [PAIR.front[peer]],
      },
      inner: {
        interface: 'eth1',
        virtualRouterId: 52,
        vips: [`${PAIR.innerVip}/24`],
        unicastPeers: [PAIR.back[peer]],
      },
      ...extra,
      track: { processName: this.processName(node), ...extra.track },
      keepalived: {
        runDir: this.runDir(node),
        netns: this.ns(node),
        launchNetns: this.ns('host'),
        ...extra.keepalived,
      },
    };
  }

  /**
   * conntrackd options of `node` in this lab: FTFW over the sync link (eth2),
   * the flows of the servers (a balanced flow's reply source).
   */
  conntrackdInput(node: PairNode, extra: Partial<ConntrackdInput> = {}): ConntrackdInput {
    return {
      interface: 'eth2',
      address: PAIR.sync[node],
      peer: PAIR.sync[other(node)],
      flows: this.servers.map((_, i) => PAIR.server(i + 1)),
      ...extra,
    };
  }

  /** The process title of `node`'s lbkit (keepalived's track_process), unique per lab. */
  processName(node: PairNode): string {
    return `${this.lab.prefix}${node}`.slice(-15);
  }

  /** Which nodes have `address` on an interface now. */
  async holders(address: string): Promise<PairNode[]> {
    const out: PairNode[] = [];
    const pattern = new RegExp(`inet6? ${address.replace(/\./g, '\\.')}/`);
    for (const node of PAIR_NODES) {
      if (this.#crashed.has(node)) continue;
      const r = await execFileAsync('ip', ['-n', this.ns(node), '-o', 'address', 'show']).catch(
        () => ({ stdout: '' }),
      );
      if (pattern.test(r.stdout)) out.push(node);
    }
    return out;
  }

  /** Cuts (or restores) every link of `node` at the switch: the node is lost to the others. */
  async cut(node: PairNode, down = true): Promise<void> {
    for (const bridge of ['f', 'b', 's']) {
      await this.lab.exec('sw', ['ip', 'link', 'set', `${bridge}-${node}`, down ? 'down' : 'up']);
    }
  }

  /**
   * Takes server `role`'s link down (it stops answering everyone: probes and
   * traffic) or up again, with its route back.
   */
  async serverLink(role: string, up: boolean): Promise<void> {
    await this.lab.exec(role, ['ip', 'link', 'set', 'eth0', up ? 'up' : 'down']);
    // A link going down drops the routes through it.
    if (up && this.level === 3) await this.lab.route(role, 'default', 'via', PAIR.innerVip);
  }

  /**
   * The keepalived pids of `node`, from its pid files: the VRRP child first,
   * then the parent (killing the parent first would make the kernel send the
   * child SIGTERM, and it would release the VIPs before its own SIGKILL).
   */
  keepalivedPids(node: PairNode): number[] {
    const pids: number[] = [];
    for (const file of ['vrrp.pid', 'keepalived.pid']) {
      try {
        const pid = Number(readFileSync(join(this.runDir(node), file), 'utf8').trim());
        if (Number.isInteger(pid) && pid > 0) pids.push(pid);
      } catch {
        // not running
      }
    }
    for (const pid of pids) this.#keepalived.add(pid);
    return pids;
  }

  /** `kill -9` of every keepalived process of `node`, by PID; returns the pids. */
  killKeepalived(node: PairNode): number[] {
    const pids = this.keepalivedPids(node);
    for (const pid of pids) kill(pid, 'SIGKILL');
    return pids;
  }

  /**
   * The node crashes: everything running in it (its keepalived first, so it
   * cannot say goodbye with a priority-0 advert, then the given processes) is
   * killed with SIGKILL and its namespace deleted, so its links vanish.
   */
  async crash(node: PairNode, processes: readonly ChildProcess[] = []): Promise<void> {
    this.#crashed.add(node);
    for (const pid of this.keepalivedPids(node)) kill(pid, 'SIGKILL');
    for (const child of processes) child.kill('SIGKILL');
    await execFileAsync('ip', ['netns', 'del', this.ns(node)]).catch(() => undefined);
  }

  /** Ends every keepalived of the lab (by PID), deletes every namespace and run directory. Never throws. */
  async destroy(): Promise<void> {
    for (const node of PAIR_NODES) this.keepalivedPids(node);
    for (const pid of this.#keepalived) {
      if (isKeepalived(pid)) kill(pid, 'SIGKILL');
    }
    await this.lab.destroy();
    // Only the name goes: the namespace is this process's own.
    if (this.#hostAttached) {
      await execFileAsync('ip', ['netns', 'del', this.ns('host')]).catch(() => undefined);
    }
    for (const dir of this.#dirs.values()) rmSync(dir, { recursive: true, force: true });
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

function isKeepalived(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'keepalived';
  } catch {
    return false;
  }
}

/** Builds a pair lab (see `PairLab`). */
export const createPairLab = (options: PairLabOptions): Promise<PairLab> => PairLab.create(options);
