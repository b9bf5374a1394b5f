import { type ChildProcess, execFile, type SpawnOptions, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Result of a command run in a namespace. */
export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** True when this process can create network namespaces (root and `ip` present). */
export const canUseNetns = (): boolean =>
  process.getuid?.() === 0 && (existsSync('/usr/sbin/ip') || existsSync('/sbin/ip'));

/**
 * A set of network namespaces owned by one test run. Every namespace and every
 * process started through it is removed by `destroy()`, which is safe to call
 * twice and never throws. Use documentation address ranges only.
 */
export class NetnsLab {
  readonly prefix: string;
  readonly #namespaces: string[] = [];
  readonly #children = new Set<ChildProcess>();

  /** `prefix` should name the package (e.g. `lbkn`); the PID is appended. */
  constructor(prefix: string) {
    this.prefix = `${prefix}${process.pid}`;
  }

  /** Full name of the namespace for `role` (e.g. `lbkn1234-client`). */
  ns(role: string): string {
    return `${this.prefix}-${role}`;
  }

  /** Creates a namespace for `role` with `lo` up; returns its full name. */
  async add(role: string): Promise<string> {
    const name = this.ns(role);
    await run('ip', ['netns', 'add', name]);
    this.#namespaces.push(name);
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    // No duplicate address detection: tentative link-local addresses would drop
    // the first forwarded IPv6 packets while the lab warms up.
    await this.exec(role, ['sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0']);
    await this.exec(role, ['sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0']);
    return name;
  }

  /** Runs a command inside `role`'s namespace; rejects on a non-zero exit. */
  async exec(role: string, argv: readonly string[], input?: string): Promise<ExecResult> {
    return run('ip', ['netns', 'exec', this.ns(role), ...argv], input);
  }

  /** Like `exec` but resolves with the exit code instead of rejecting. */
  async try(role: string, argv: readonly string[]): Promise<ExecResult> {
    return run('ip', ['netns', 'exec', this.ns(role), ...argv], undefined, false);
  }

  /** Starts a long-running process in `role`'s namespace; it is killed by `destroy()`. */
  spawn(role: string, argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns(role), ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options,
    });
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    return child;
  }

  /** Kills one process started by `spawn` (by PID) and waits for it to exit. */
  async kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await Promise.race([exited, sleep(3000)]);
  }

  /**
   * Connects two namespaces with a veth pair named `ifA`/`ifB`, assigns the
   * given CIDR addresses (IPv4 or IPv6, any number) and brings both ends up.
   */
  async link(
    a: { role: string; ifname: string; addresses?: readonly string[] },
    b: { role: string; ifname: string; addresses?: readonly string[] },
  ): Promise<void> {
    await run('ip', [
      'link',
      'add',
      a.ifname,
      'netns',
      this.ns(a.role),
      'type',
      'veth',
      'peer',
      'name',
      b.ifname,
      'netns',
      this.ns(b.role),
    ]);
    for (const end of [a, b]) {
      for (const cidr of end.addresses ?? []) {
        await run('ip', ['-n', this.ns(end.role), 'addr', 'add', cidr, 'dev', end.ifname, 'nodad']);
      }
      await run('ip', ['-n', this.ns(end.role), 'link', 'set', end.ifname, 'up']);
    }
  }

  /** Adds a route in `role`'s namespace, e.g. `route(role, 'default', 'via', '203.0.113.1')`. */
  async route(role: string, ...args: string[]): Promise<void> {
    const family = args.some((a) => a.includes(':')) ? ['-6'] : [];
    await run('ip', [...family, '-n', this.ns(role), 'route', 'add', ...args]);
  }

  /** Enables IPv4 and IPv6 forwarding in `role`'s namespace. */
  async forwarding(role: string): Promise<void> {
    await this.exec(role, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    await this.exec(role, ['sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
    await this.exec(role, ['sysctl', '-qw', 'net.ipv6.conf.default.forwarding=1']);
  }

  /**
   * The front half of every balancer lab: namespaces `client` and `lb` (which
   * forwards) joined by veth `eth0`, the client's default route(s) via the lb,
   * and the VIPs (`/32` or `/128`) on the lb's `lo`.
   */
  async addClientAndBalancer(front: {
    readonly client: readonly string[];
    readonly lb: readonly string[];
    readonly gateways: readonly string[];
    readonly vips: readonly string[];
  }): Promise<void> {
    await this.add('client');
    await this.add('lb');
    await this.forwarding('lb');
    await this.link(
      { role: 'client', ifname: 'eth0', addresses: front.client },
      { role: 'lb', ifname: 'eth0', addresses: front.lb },
    );
    for (const gateway of front.gateways) await this.route('client', 'default', 'via', gateway);
    for (const vip of front.vips) {
      const cidr = vip.includes(':') ? `${vip}/128` : `${vip}/32`;
      await this.exec('lb', ['ip', 'addr', 'add', cidr, 'dev', 'lo']);
    }
  }

  /** Kills every process started here and deletes every namespace. Never throws. */
  async destroy(): Promise<void> {
    await Promise.all([...this.#children].map((c) => this.kill(c)));
    for (const name of this.#namespaces.splice(0)) {
      await run('ip', ['netns', 'del', name], undefined, false).catch(() => undefined);
    }
  }
}

/** Addresses of the standard balancer lab built by `createBalancerLab`. */
export const LAB = {
  vip: '192.0.2.10',
  vip6: '2001:db8:a::10',
  client: '203.0.113.2',
  client6: '2001:db8:c::2',
  lbClientSide: '203.0.113.1',
  lbClientSide6: '2001:db8:c::1',
  lbServerSide: '198.51.100.1',
  lbServerSide6: '2001:db8:5::1',
  server: (i: number): string => `198.51.100.${10 + i}`,
  server6: (i: number): string => `2001:db8:5::${10 + i}`,
} as const;

/** A standard lab: roles `client`, `lb` and `s1..sN`. */
export interface BalancerLab {
  readonly lab: NetnsLab;
  /** Server roles, `s1`..`sN`. */
  readonly servers: readonly string[];
}

/**
 * Builds client -- lb -- servers in fresh namespaces (documentation ranges):
 * client 203.0.113.2 (+2001:db8:c::2) has its default route via lb; the lb holds the
 * VIP 192.0.2.10 (+2001:db8:a::10) on lo and forwards; each server sN is
 * 198.51.100.(10+N) (+2001:db8:5::(10+N)) on its own veth with a default route
 * back via the lb (client IP preserved, level 3 of the article).
 */
export async function createBalancerLab(prefix: string, serverCount = 3): Promise<BalancerLab> {
  const lab = new NetnsLab(prefix);
  try {
    await lab.addClientAndBalancer({
      client: [`${LAB.client}/24`, `${LAB.client6}/64`],
      lb: [`${LAB.lbClientSide}/24`, `${LAB.lbClientSide6}/64`],
      gateways: [LAB.lbClientSide, LAB.lbClientSide6],
      vips: [LAB.vip, LAB.vip6],
    });
    const servers: string[] = [];
    for (let i = 1; i <= serverCount; i++) {
      const role = `s${i}`;
      await lab.add(role);
      await lab.link(
        { role: 'lb', ifname: `srv${i}` },
        { role, ifname: 'eth0', addresses: [`${LAB.server(i)}/24`, `${LAB.server6(i)}/64`] },
      );
      await lab.exec('lb', ['ip', 'route', 'add', `${LAB.server(i)}/32`, 'dev', `srv${i}`]);
      await lab.exec('lb', ['ip', '-6', 'route', 'add', `${LAB.server6(i)}/128`, 'dev', `srv${i}`]);
      await lab.exec('lb', ['ip', 'addr', 'add', `${LAB.lbServerSide}/32`, 'dev', `srv${i}`]);
      await lab.exec('lb', [
        'ip',
        '-6',
        'addr',
        'add',
        `${LAB.lbServerSide6}/128`,
        'dev',
        `srv${i}`,
        'nodad',
      ]);
      await lab.route(role, `${LAB.lbServerSide}/32`, 'dev', 'eth0');
      await lab.route(role, 'default', 'via', LAB.lbServerSide);
      await lab.route(role, `${LAB.lbServerSide6}/128`, 'dev', 'eth0');
      await lab.route(role, 'default', 'via', LAB.lbServerSide6);
      servers.push(role);
    }
    return { lab, servers };
  } catch (error) {
    await lab.destroy();
    throw error;
  }
}

async function run(
  cmd: string,
  args: string[],
  input?: string,
  strict = true,
): Promise<ExecResult> {
  const child = execFileAsync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number | string };
    const result = { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: Number(e.code) || 1 };
    if (!strict) return result;
    throw new Error(`${cmd} ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
