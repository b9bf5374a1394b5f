/**
 * The demo's scenario: builds the lab, starts three name servers, the lbkit
 * balancer (inside the lb namespace) and the client's trace loop, and waits
 * until the client has been answered by every server in every service. Then
 * the scenario proper, `durationS` long: it kills a server with `kill -9` at a
 * quarter, waits until the balancer has removed it, restores it at 60 % (a
 * replacement process started ahead and armed, so process start-up does not
 * stretch the timeline), waits until it is back, and measures. Every namespace
 * and process is removed at the end, also on error or abort.
 */
import type { ChildProcess } from 'node:child_process';
import { createBalancerLab, LAB, type NetnsLab } from '@lbkit/core/testing';
import { onLines, waitFor } from '../common/lines.js';
import { programArgv } from '../programs.js';
import { parseTraceLine } from '../trace/trace-line.js';
import { DemoState } from './demo-state.js';
import { parseAgentLine } from './messages.js';
import type { Screen } from './screen.js';
import { DEMO_PORTS, DEMO_SERVICES } from './services.js';

/** What to run. */
export interface DemoOptions {
  /**
   * Length of the scenario in seconds (at least 8), counted from the moment the
   * client has been answered by every server (setup comes before). Default 24.
   */
  readonly durationS?: number;
  /** `nftables` (default) or `ipvs`. */
  readonly backend?: 'nftables' | 'ipvs';
  /** Probe interval in ms. Default 150. */
  readonly intervalMs?: number;
  /** Namespace prefix (PID appended). Default `lbkd`. */
  readonly prefix?: string;
  /** How long to wait for a removal or a return before giving up, ms. Default 10000. */
  readonly patienceMs?: number;
  /** Aborts the demo early (Ctrl-C); cleanup still runs. */
  readonly signal?: AbortSignal;
  /** The figures come from an emulated CPU (the IPVS kernel VM): the summary says so. */
  readonly emulatedCpu?: boolean;
}

/** What the demo measured. */
export interface DemoSummary {
  readonly victim: string;
  /** ms from `kill -9` until the kernel no longer sent new flows to it, per service. */
  readonly failoverMs: Readonly<Record<string, number>>;
  /** ms from the restart until it served again, per service. */
  readonly recoveryMs: Readonly<Record<string, number>>;
  /** Client requests per protocol. */
  readonly requests: Readonly<Record<string, { ok: number; failed: number }>>;
  /** Failed requests that started between the kill and the removal (expected: a few). */
  readonly failedInFailover: number;
  /** Failed requests at any other time (expected: 0). */
  readonly failedOutside: number;
  /** The first few of those: protocol, ms since the scenario started, why. */
  readonly failuresOutside: readonly { protocol: string; atMs: number; error: string }[];
  /** Answers the victim gave while it was dead (must be 0). */
  readonly answeredWhileDead: number;
  /** Per service, the servers that answered the client before the kill (all of them). */
  readonly answeredBeforeKill: Readonly<Record<string, readonly string[]>>;
  /** ms to build the lab and start everything, until the client was answered by every server. */
  readonly setupMs: number;
  /** ms the scenario took (asked: `durationS`), from then to the end. */
  readonly scenarioMs: number;
  /** The figures come from an emulated CPU. */
  readonly emulatedCpu: boolean;
}

const SERVERS = 3;

/** Runs the whole demo; resolves with the measurements. */
export async function runDemo(
  options: DemoOptions,
  screen: Screen,
): Promise<{ summary: DemoSummary; state: DemoState }> {
  const durationMs = Math.max(8, options.durationS ?? 24) * 1000;
  const interval = options.intervalMs ?? 150;
  const backend = options.backend ?? 'nftables';
  const patience = options.patienceMs ?? 10_000;
  const servers = Array.from({ length: SERVERS }, (_, i) => ({
    name: `s${i + 1}`,
    address: LAB.server(i + 1),
  }));
  const state = new DemoState({
    title: `lbkit demo · ${backend} · VIP ${LAB.vip} · probes every ${interval} ms, fall 2, rise 2`,
    services: DEMO_SERVICES,
    servers,
  });
  const victim = servers[1]?.name ?? 's2';
  state.phase = 'building the lab: client, lb and 3 servers in network namespaces';
  screen.start(state);
  let lab: NetnsLab;
  try {
    ({ lab } = await createBalancerLab(options.prefix ?? 'lbkd', SERVERS));
  } catch (error) {
    screen.stop();
    throw error;
  }
  const children = new Map<string, ChildProcess>();
  let agent: ChildProcess | undefined;
  let client: ChildProcess | undefined;
  let agentError = '';
  const checkAbort = (): void => {
    if (options.signal?.aborted) throw new Error('aborted');
    if (agent && agent.exitCode !== null) {
      throw new Error(`the balancer agent exited (${agent.exitCode}): ${agentError.trim()}`);
    }
  };
  /** Waits until the wall clock reaches `end` (ms since the epoch); returns at once if it has. */
  const pauseUntil = async (end: number): Promise<void> => {
    while (Date.now() < end) {
      checkAbort();
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, end - Date.now())));
    }
  };
  /** Per service, the servers whose answers the client has had so far. */
  const answeredBy = () =>
    DEMO_SERVICES.map((service) => ({
      service: service.name,
      servers: servers
        .map((server) => server.name)
        .filter((name) =>
          state.answers.get(service.protocol)?.some((r) => r.ok && r.server === name),
        ),
    }));
  const waitUntil = async (predicate: () => boolean, ms: number, what: string | (() => string)) =>
    waitFor(
      () => {
        checkAbort();
        return predicate();
      },
      ms,
      what,
    );

  try {
    state.phase = 'starting the name servers';
    const startWaitMs = Math.max(15_000, patience);
    // The victim's replacement loads now, armed: its restart later is instant.
    const [replacement] = await Promise.all([
      armServer(lab, victim, startWaitMs),
      ...servers.map(async (server) => {
        children.set(server.name, await startServer(lab, server.name, startWaitMs));
        state.setRunning(server.name, true);
      }),
    ]);

    state.phase = 'starting the balancer in the lb namespace';
    agent = lab.spawn(
      'lb',
      [
        ...programArgv('demo-agent'),
        '--vip',
        LAB.vip,
        '--backend',
        backend,
        '--interval',
        String(interval),
        ...servers.flatMap((s) => ['--server', `${s.name}=${s.address}`]),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let ready = false;
    let fatal: string | undefined;
    onLines(agent.stdout, (line) => {
      const message = parseAgentLine(line);
      if (!message) return;
      state.onAgent(message);
      if (message.type === 'ready') ready = true;
      if (message.type === 'problem' && message.fatal) fatal = message.message;
    });
    onLines(agent.stderr, (line) => {
      agentError = `${agentError}${line}\n`.slice(-2000);
    });
    await waitFor(
      () => {
        if (fatal !== undefined) throw new Error(`balancer: ${fatal}`);
        checkAbort();
        return ready;
      },
      2 * patience,
      'the first health verdicts',
    );

    state.phase = 'the client asks the VIP who answers (the article’s trace loop)';
    client = lab.spawn(
      'client',
      [
        ...programArgv('trace-client'),
        '--host',
        LAB.vip,
        '--target',
        `tcp:${DEMO_PORTS.line}`,
        '--target',
        `dns:${DEMO_PORTS.dns}`,
        '--target',
        `http:${DEMO_PORTS.http}`,
        '--every',
        '100',
        '--timeout',
        String(Math.max(400, interval * 2)),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    onLines(client.stdout, (line) => {
      const result = parseTraceLine(line);
      if (result) state.onTrace(result);
    });
    await waitUntil(
      () => answeredBy().every((s) => s.servers.length === servers.length),
      2 * patience,
      () => `the client to be answered by every server (${describeAnswers(answeredBy())})`,
    );
    // The scenario proper starts now; what came before is setup.
    const scenarioAt = Date.now();
    const setupMs = scenarioAt - state.startedAt;
    state.event(
      `the client is answered by every server; the ${durationMs / 1000} s scenario starts`,
      'info',
    );
    await pauseUntil(scenarioAt + durationMs * 0.25);

    // Failure.
    const victimProcess = children.get(victim);
    const answeredBeforeKill = Object.fromEntries(answeredBy().map((s) => [s.service, s.servers]));
    state.phase = `${victim} killed with kill -9: waiting for the balancer to notice`;
    const killAt = Date.now();
    state.event(`kill -9 ${victim} (pid ${victimProcess?.pid ?? '?'})`, 'action', killAt);
    if (victimProcess) await lab.kill(victimProcess, 'SIGKILL');
    state.setRunning(victim, false);
    const removedAt: Record<string, number> = {};
    const servingAt =
      (predicate: (serving: boolean) => boolean, into: Record<string, number>) => () => {
        for (const service of DEMO_SERVICES) {
          if (
            into[service.name] === undefined &&
            predicate(state.isServing(service.name, victim))
          ) {
            into[service.name] = Date.now();
          }
        }
        return DEMO_SERVICES.every((s) => into[s.name] !== undefined);
      };
    await waitUntil(
      servingAt((serving) => !serving, removedAt),
      patience,
      `${victim} to be removed`,
    );
    const failoverMs = Object.fromEntries(
      Object.entries(removedAt).map(([svc, at]) => [svc, at - killAt]),
    );
    const latest = (values: Record<string, number>): number =>
      Object.values(values).reduce((a, b) => Math.max(a, b), -Infinity);
    const removedBy = latest(removedAt);
    state.phase = `${victim} removed in ${latest(failoverMs)} ms; the client is answered by the others`;
    await pauseUntil(scenarioAt + durationMs * 0.6);

    // Recovery.
    state.phase = `restarting ${victim}; the balancer adds it back after 2 good checks`;
    await replacement.listen(startWaitMs);
    children.set(victim, replacement.child);
    state.setRunning(victim, true);
    const restartAt = Date.now();
    const pid = replacement.child.pid ?? '?';
    state.event(`${victim} restarted, listening again (pid ${pid})`, 'action', restartAt);
    const backAt: Record<string, number> = {};
    await waitUntil(
      servingAt((serving) => serving, backAt),
      patience,
      `${victim} to serve again`,
    );
    const recoveryMs = Object.fromEntries(
      Object.entries(backAt).map(([svc, at]) => [svc, at - restartAt]),
    );
    state.phase = `${victim} is back in every service`;
    await pauseUntil(Math.max(scenarioAt + durationMs, Date.now() + 1000));
    const scenarioMs = Date.now() - scenarioAt;
    state.phase = 'stopping';

    // Measurements.
    const all = [...state.answers.values()].flat();
    const inFailover = (at: number) => at >= killAt - 500 && at <= removedBy + 100;
    const summary: DemoSummary = {
      victim,
      failoverMs,
      recoveryMs,
      requests: Object.fromEntries(state.totals),
      failedInFailover: all.filter((r) => !r.ok && inFailover(r.at)).length,
      failedOutside: all.filter((r) => !r.ok && !inFailover(r.at)).length,
      failuresOutside: all
        .filter((r) => !r.ok && !inFailover(r.at))
        .slice(0, 5)
        .map((r) => ({ protocol: r.protocol, atMs: r.at - scenarioAt, error: r.error ?? '?' })),
      answeredWhileDead: all.filter(
        (r) => r.ok && r.server === victim && r.at > killAt && r.at < restartAt - 100,
      ).length,
      answeredBeforeKill,
      setupMs,
      scenarioMs,
      emulatedCpu: options.emulatedCpu ?? false,
    };
    return { summary, state };
  } finally {
    if (client?.stdin) client.stdin.end();
    if (agent?.stdin) agent.stdin.end();
    if (agent) {
      const exited = new Promise((resolve) => agent?.once('exit', resolve));
      if (agent.exitCode === null) await Promise.race([exited, sleep(3000)]);
    }
    screen.stop();
    await lab.destroy();
  }
}

/** A name server started `--armed`: loaded, listening once `listen()` is called. */
interface ArmedServer {
  readonly child: ChildProcess;
  listen(waitMs: number): Promise<void>;
}

/** Spawns lab server `name`'s name server; `until(word)` waits for its line `word NAME`. */
function spawnServer(lab: NetnsLab, name: string, extra: readonly string[] = []) {
  const child = lab.spawn(name, [...programArgv('name-server'), '--name', name, ...extra], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let last = '';
  onLines(child.stdout, (line) => {
    last = line;
  });
  const until = async (word: 'armed' | 'ready', ms: number): Promise<void> => {
    const line = `${word} ${name}`;
    await waitFor(
      () => last === line || child.exitCode !== null,
      ms,
      `name server ${name} (${word})`,
    );
    if (child.exitCode !== null) throw new Error(`name server ${name} exited (${child.exitCode})`);
  };
  return { child, until };
}

/** Starts lab server `name`'s name server and waits until it listens. */
async function startServer(lab: NetnsLab, name: string, waitMs: number): Promise<ChildProcess> {
  const server = spawnServer(lab, name);
  await server.until('ready', waitMs);
  return server.child;
}

/** Starts lab server `name`'s name server armed: loaded, not listening yet. */
async function armServer(lab: NetnsLab, name: string, waitMs: number): Promise<ArmedServer> {
  const server = spawnServer(lab, name, ['--armed']);
  await server.until('armed', waitMs);
  return {
    child: server.child,
    async listen(ms: number) {
      server.child.stdin?.write('listen\n');
      await server.until('ready', ms);
    },
  };
}

/** "line: s1, s3; dns: ..." */
const describeAnswers = (list: readonly { service: string; servers: readonly string[] }[]) =>
  list.map((s) => `${s.service}: ${s.servers.join(', ') || 'none'}`).join('; ');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
