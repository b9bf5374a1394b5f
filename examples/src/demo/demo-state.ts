/**
 * Everything the demo screen shows, fed by the agent's messages, the trace
 * client's results and the scenario. Pure data and bookkeeping: no I/O.
 */
import type { TraceResult } from '../trace/trace.js';
import type { AgentMessage } from './messages.js';

/** One balanced service as the demo shows it. */
export interface DemoService {
  /** Service name in the balancer (`line`, `dns`, `http`). */
  readonly name: string;
  /** Column title, e.g. `tcp 7000 line`. */
  readonly label: string;
  /** The trace protocol the client uses for it. */
  readonly protocol: TraceResult['protocol'];
}

/** One lab server. */
export interface DemoServer {
  readonly name: string;
  readonly address: string;
  running: boolean;
}

/** Last known health of one destination of one service. */
export interface DemoHealth {
  state: string;
  ms?: number;
  error?: string;
}

/** A line in the events panel. */
export interface DemoEvent {
  readonly at: number;
  readonly text: string;
  readonly tone: 'info' | 'good' | 'bad' | 'action';
}

const MAX_ANSWERS = 400;
const MAX_EVENTS = 100;

/** The demo's whole observable state. */
export class DemoState {
  readonly startedAt: number;
  readonly services: readonly DemoService[];
  readonly servers: DemoServer[];
  readonly health = new Map<string, DemoHealth>();
  /** Service name -> destinations with weight > 0 in the kernel now. */
  serving: Record<string, readonly string[]> = {};
  readonly answers = new Map<string, TraceResult[]>();
  readonly totals = new Map<string, { ok: number; failed: number }>();
  readonly events: DemoEvent[] = [];
  /** Called for every new event (the plain output prints them). */
  readonly eventListeners = new Set<(event: DemoEvent) => void>();
  applies = 0;
  lastApplyMs = 0;
  phase = 'starting';
  title: string;

  constructor(options: {
    title: string;
    services: readonly DemoService[];
    servers: readonly { name: string; address: string }[];
    now?: number;
  }) {
    this.title = options.title;
    this.services = options.services;
    this.servers = options.servers.map((s) => ({ ...s, running: false }));
    this.startedAt = options.now ?? Date.now();
  }

  /** Health cell of `destination` in `service`. */
  healthOf(service: string, destination: string): DemoHealth {
    return this.health.get(`${service}/${destination}`) ?? { state: 'unknown' };
  }

  /** Adds a line to the events panel. */
  event(text: string, tone: DemoEvent['tone'] = 'info', at = Date.now()): void {
    const event = { at, text, tone };
    this.events.push(event);
    for (const listener of this.eventListeners) listener(event);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
  }

  /** Marks a server as running or killed. */
  setRunning(name: string, running: boolean): void {
    const server = this.servers.find((s) => s.name === name);
    if (server) server.running = running;
  }

  /** Takes one message of the balancer agent. */
  onAgent(message: AgentMessage): void {
    switch (message.type) {
      case 'check': {
        const cell = this.healthOf(message.service, message.destination);
        this.health.set(`${message.service}/${message.destination}`, {
          state: cell.state,
          ms: message.ms,
          ...(message.error !== undefined && { error: message.error }),
        });
        break;
      }
      case 'health': {
        const cell = this.healthOf(message.service, message.destination);
        this.health.set(`${message.service}/${message.destination}`, {
          ...cell,
          state: message.to,
        });
        if (message.from !== 'unknown' || message.to !== 'up') {
          this.event(
            `${message.service}: ${message.destination} ${message.from} -> ${message.to} (${message.reason})`,
            message.to === 'up' ? 'good' : 'bad',
            message.at,
          );
        }
        break;
      }
      case 'applied':
        this.applies++;
        this.lastApplyMs = message.ms;
        this.serving = message.serving;
        if (message.changed.length > 0) {
          this.event(
            `kernel updated in ${message.ms.toFixed(1)} ms, ${message.operations} op(s): ${message.changed
              .map((svc) => `${svc} -> {${(message.serving[svc] ?? []).join(',')}}`)
              .join('  ')}`,
            'info',
            message.at,
          );
        }
        break;
      case 'started':
        this.event(
          `balancer started${message.detail ? `: ${message.detail}` : ''}`,
          'info',
          message.at,
        );
        break;
      case 'ready':
        this.event('every destination has its first verdict', 'good', message.at);
        break;
      case 'stopped':
        this.event('balancer stopped', 'info', message.at);
        break;
      case 'problem':
        this.event(message.message, 'bad', message.at);
        break;
    }
  }

  /** Takes one traced client request. */
  onTrace(result: TraceResult): void {
    let list = this.answers.get(result.protocol);
    if (!list) {
      list = [];
      this.answers.set(result.protocol, list);
    }
    list.push(result);
    if (list.length > MAX_ANSWERS) list.splice(0, list.length - MAX_ANSWERS);
    const total = this.totals.get(result.protocol) ?? { ok: 0, failed: 0 };
    if (result.ok) total.ok++;
    else total.failed++;
    this.totals.set(result.protocol, total);
  }

  /** True when `destination` takes new flows of `service` in the kernel. */
  isServing(service: string, destination: string): boolean {
    return this.serving[service]?.includes(destination) ?? false;
  }
}
