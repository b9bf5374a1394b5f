/**
 * Where the demo draws: a full-screen table redrawn in place (TUI), or plain
 * lines for CI and logs (`--no-tui`): each event once, and a short status line
 * every few seconds.
 */
import type { DemoEvent, DemoState } from './demo-state.js';
import { renderScreen } from './render.js';

/** A demo output. */
export interface Screen {
  /** Starts drawing `state`. */
  start(state: DemoState): void;
  /** Stops drawing and restores the terminal; prints the final table once. */
  stop(): void;
}

/** Geometry for the TUI; defaults to the terminal's, else 100x30. */
export interface TuiOptions {
  readonly columns?: number;
  readonly rows?: number;
  /** Redraw period in ms. Default 100. */
  readonly everyMs?: number;
}

/** The in-place TUI on the alternate screen. */
export function tuiScreen(out: NodeJS.WriteStream, options: TuiOptions = {}): Screen {
  let timer: NodeJS.Timeout | undefined;
  let current: DemoState | undefined;
  const size = () => ({
    width: options.columns ?? out.columns ?? 100,
    height: options.rows ?? out.rows ?? 30,
  });
  const draw = (): void => {
    if (!current) return;
    const lines = renderScreen(current, { ...size(), color: true });
    out.write(`\x1b[H${lines.join('\x1b[K\n')}\x1b[K\x1b[J`);
  };
  return {
    start(state) {
      current = state;
      out.write('\x1b[?1049h\x1b[?25l');
      draw();
      timer = setInterval(draw, options.everyMs ?? 100);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      out.write('\x1b[?25h\x1b[?1049l');
      if (current) out.write(`${renderScreen(current, { ...size(), color: true }).join('\n')}\n`);
      current = undefined;
    },
  };
}

/** Plain lines: events as they happen plus a status line every `everyMs` (default 2000). */
export function plainScreen(out: NodeJS.WritableStream, everyMs = 2000): Screen {
  let timer: NodeJS.Timeout | undefined;
  let current: DemoState | undefined;
  const seconds = (state: DemoState, at: number): string =>
    `${((at - state.startedAt) / 1000).toFixed(1).padStart(6)} s`;
  const print = (event: DemoEvent): void => {
    if (current) out.write(`${seconds(current, event.at)}  ${event.text}\n`);
  };
  const status = (): void => {
    if (!current || current.applies === 0) return;
    const state = current;
    const parts = state.services.map((service) => {
      const serving = state.serving[service.name] ?? [];
      const total = state.totals.get(service.protocol) ?? { ok: 0, failed: 0 };
      return `${service.name} {${serving.join(',')}} ok ${total.ok} failed ${total.failed}`;
    });
    out.write(`${seconds(state, Date.now())}  status: ${parts.join(' | ')}\n`);
  };
  return {
    start(state) {
      current = state;
      for (const event of state.events) print(event);
      state.eventListeners.add(print);
      timer = setInterval(status, everyMs);
    },
    stop() {
      status();
      current?.eventListeners.delete(print);
      if (timer) clearInterval(timer);
      current = undefined;
    },
  };
}
