/**
 * An in-memory `HaSystem` for offline tests of the HA controller: files,
 * FIFOs, processes and a manual clock. Nothing touches the OS.
 * @module
 */
import { ok, type Result } from 'neverthrow';
import type { HaError } from '../errors.js';
import type { ChildEvents, ChildHandle, HaSystem } from '../system.js';

/** A process the fake knows. */
export interface FakeProcess {
  readonly pid: number;
  readonly argv: readonly string[];
  alive: boolean;
  readonly signals: NodeJS.Signals[];
  readonly events?: ChildEvents;
}

interface Timer {
  readonly at: number;
  readonly fn: () => void;
  readonly id: number;
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The fake. Drive time with `advance(ms)`. */
export class FakeSystem implements HaSystem {
  time = 1_000_000;
  readonly files = new Map<string, string>();
  readonly dirs = new Set<string>();
  readonly fifos = new Map<string, ((line: string) => void) | undefined>();
  readonly processes = new Map<number, FakeProcess>();
  /** Every `run` argv, in order. */
  readonly runs: string[][] = [];
  title = '';
  /** Scripted results of `run`, by the argv's first words (default: code 0, no output). */
  readonly results: { readonly match: RegExp; readonly code: number; readonly output: string }[] =
    [];
  /** Addresses on the interfaces, as `ip address del` names them: `203.0.113.10/24 dev eth0`. */
  readonly addresses = new Set<string>();
  /** What a SIGTERM does to a child: exit (default) or nothing. */
  exitOnTerm = true;
  #timers: Timer[] = [];
  #nextTimer = 1;
  #nextPid = 4000;

  now(): number {
    return this.time;
  }

  timer(fn: () => void, ms: number): () => void {
    const timer = { at: this.time + ms, fn, id: this.#nextTimer++ };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t.id !== timer.id);
    };
  }

  /** Moves the clock `ms` forward, running due timers and settling promises on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await flush();
      const due = this.#timers
        .filter((t) => t.at <= end)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t.id !== due.id);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = end;
    await flush();
  }

  ensureDir(path: string): Result<void, HaError> {
    this.dirs.add(path);
    return ok(undefined);
  }

  writeFileAtomic(path: string, text: string): Result<void, HaError> {
    this.files.set(path, text);
    return ok(undefined);
  }

  async ensureFifo(path: string): Promise<Result<void, HaError>> {
    if (!this.fifos.has(path)) this.fifos.set(path, undefined);
    return ok(undefined);
  }

  openFifo(path: string, onLine: (line: string) => void): Result<{ close(): void }, HaError> {
    this.fifos.set(path, onLine);
    return ok({ close: () => this.fifos.set(path, undefined) });
  }

  /** keepalived writes a line into the FIFO at `path`. */
  writeFifo(path: string, line: string): void {
    this.fifos.get(path)?.(line);
  }

  removeFile(path: string): void {
    this.files.delete(path);
  }

  readPid(path: string): number | undefined {
    const text = this.files.get(path);
    return text !== undefined && /^\d+$/.test(text.trim()) ? Number(text) : undefined;
  }

  isKeepalived(pid: number): boolean {
    return this.processes.get(pid)?.alive === true;
  }

  signal(pid: number, signal: NodeJS.Signals): boolean {
    const p = this.processes.get(pid);
    if (!p?.alive) return false;
    p.signals.push(signal);
    if (signal === 'SIGKILL' || (signal === 'SIGTERM' && this.exitOnTerm))
      this.die(pid, null, signal);
    return true;
  }

  /** A keepalived process not started through `spawn` (the VRRP child, a stale one). */
  addProcess(argv: readonly string[] = ['keepalived']): FakeProcess {
    const p: FakeProcess = { pid: this.#nextPid++, argv, alive: true, signals: [] };
    this.processes.set(p.pid, p);
    return p;
  }

  /** Ends a process; a spawned child reports its exit. */
  die(pid: number, code: number | null, signal: NodeJS.Signals | null): void {
    const p = this.processes.get(pid);
    if (!p?.alive) return;
    p.alive = false;
    p.events?.onExit(code, signal);
  }

  spawn(argv: readonly string[], events: ChildEvents): ChildHandle {
    const p: FakeProcess = { pid: this.#nextPid++, argv, alive: true, signals: [], events };
    this.processes.set(p.pid, p);
    return { pid: p.pid, kill: (signal) => void this.signal(p.pid, signal) };
  }

  /** Children started through `spawn`, oldest first. */
  spawned(): FakeProcess[] {
    return [...this.processes.values()].filter((p) => p.events !== undefined);
  }

  async run(argv: readonly string[], input?: string): Promise<{ code: number; output: string }> {
    this.runs.push([...argv]);
    const text = argv.join(' ');
    if (/^ip (?:-n \S+ )?-force -batch -$/.test(text)) return this.#ipBatch(input ?? '');
    const r = this.results.find((x) => x.match.test(text));
    return r ? { code: r.code, output: r.output } : { code: 0, output: '' };
  }

  /** Lines run by the last `ip -batch` (`address del ...`), in order. */
  readonly batches: string[][] = [];

  #ipBatch(input: string): { code: number; output: string } {
    const lines = input.split('\n').filter((l) => l !== '');
    this.batches.push(lines);
    const errors: string[] = [];
    lines.forEach((line, i) => {
      const del = /^address del (\S+ dev \S+)$/.exec(line);
      if (del && this.addresses.delete(del[1]!)) return;
      errors.push('Error: ipv4: Address not found.', `Command failed -:${i + 1}`);
    });
    return { code: errors.length > 0 ? 1 : 0, output: errors.join('\n') };
  }

  setProcessTitle(name: string): void {
    this.title = name;
  }
}
