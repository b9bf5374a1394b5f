/**
 * Draws the demo screen from a `DemoState`: a health table, the client's
 * answers (newest on the right) and the latest events. Pure: returns lines; the
 * caller writes them (in place for the TUI, once for `--no-tui` snapshots).
 */
import type { DemoHealth, DemoState } from './demo-state.js';

/** Terminal geometry and style. */
export interface RenderOptions {
  /** Columns, default 100. */
  readonly width?: number;
  /** Rows, default 30. The events panel takes what is left. */
  readonly height?: number;
  /** ANSI colours, default true. */
  readonly color?: boolean;
  /** Clock for the elapsed time, default `Date.now()`. */
  readonly now?: number;
}

const CODES = {
  bold: '1',
  dim: '2',
  red: '31',
  green: '32',
  yellow: '33',
  blue: '34',
  magenta: '35',
  cyan: '36',
} as const;
type Style = keyof typeof CODES;
const SERVER_STYLES: readonly Style[] = ['cyan', 'magenta', 'blue', 'yellow', 'green'];

const CELL = 20;

/** Renders the whole screen as lines (no trailing newline). */
export function renderScreen(state: DemoState, options: RenderOptions = {}): string[] {
  const width = Math.max(60, options.width ?? 100);
  const height = Math.max(20, options.height ?? 30);
  const color = options.color ?? true;
  const now = options.now ?? Date.now();
  const paint = (style: Style, text: string): string =>
    color ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text;
  const seconds = (at: number): string => `${((at - state.startedAt) / 1000).toFixed(1)} s`;
  const lines: string[] = [];

  const elapsed = seconds(now);
  lines.push(
    paint(
      'bold',
      ellipsize(state.title, width - elapsed.length - 1).padEnd(width - elapsed.length),
    ) + paint('dim', elapsed),
  );
  lines.push(`${paint('bold', 'now:')} ${ellipsize(state.phase, width - 5)}`);
  lines.push('');

  // Health table.
  const head = `${'SERVER'.padEnd(7)} ${'ADDRESS'.padEnd(15)} ${'PROCESS'.padEnd(8)}`;
  lines.push(
    paint(
      'bold',
      head +
        state.services.map((s) => ` ${ellipsize(s.label, CELL - 1).padEnd(CELL - 1)}`).join(''),
    ),
  );
  for (const [index, server] of state.servers.entries()) {
    const style = SERVER_STYLES[index % SERVER_STYLES.length] ?? 'cyan';
    let line = `${paint(style, server.name.padEnd(7))} ${server.address.padEnd(15)} `;
    line += server.running ? paint('green', 'running ') : paint('red', 'killed  ');
    for (const service of state.services) {
      const cell = state.healthOf(service.name, server.name);
      line += ` ${healthCell(cell, state.isServing(service.name, server.name), paint)}`;
    }
    lines.push(line);
  }
  lines.push(
    paint(
      'dim',
      `${' '.repeat(33)}● serving in the kernel   ○ not serving · ${state.applies} kernel update(s), last ${state.lastApplyMs.toFixed(1)} ms`,
    ),
  );
  lines.push('');

  // Client answers.
  const label = 16;
  const counts = 16;
  const slots = Math.max(8, Math.floor((width - label - counts) / 2));
  lines.push(
    paint(
      'bold',
      `${'CLIENT ASKS VIP'.padEnd(label)}${'who answered, newest on the right'.padEnd(slots * 2)}`,
    ) + paint('bold', `${'ok'.padStart(7)}${'failed'.padStart(8)}`),
  );
  for (const service of state.services) {
    const recent = (state.answers.get(service.protocol) ?? []).slice(-slots);
    const marks = recent.map((r) => {
      if (!r.ok) return paint('red', '✗');
      const i = state.servers.findIndex((s) => s.name === r.server);
      const style = SERVER_STYLES[Math.max(i, 0) % SERVER_STYLES.length] ?? 'cyan';
      return paint(style, (r.server ?? '?').replace(/^[^0-9]*/, '').slice(-1) || '?');
    });
    const pad = ' '.repeat((slots - recent.length) * 2);
    const total = state.totals.get(service.protocol) ?? { ok: 0, failed: 0 };
    const failed = String(total.failed).padStart(8);
    lines.push(
      `${ellipsize(service.label, label - 1).padEnd(label)}${pad}${marks.join(' ')} ${String(total.ok).padStart(6)}${total.failed > 0 ? paint('red', failed) : failed}`,
    );
  }
  lines.push(paint('dim', `${' '.repeat(label)}digits = server number, ✗ = request failed`));
  lines.push('');

  // Events: whatever room is left.
  lines.push(paint('bold', 'EVENTS'));
  const room = Math.max(3, height - lines.length - 1);
  for (const event of state.events.slice(-room)) {
    const tone: Style | undefined =
      event.tone === 'bad'
        ? 'red'
        : event.tone === 'good'
          ? 'green'
          : event.tone === 'action'
            ? 'yellow'
            : undefined;
    const text = ellipsize(event.text, width - 10);
    lines.push(
      `${paint('dim', seconds(event.at).padStart(8))}  ${tone ? paint(tone, text) : text}`,
    );
  }
  return lines.map((line) => clip(line, width));
}

/** Cuts a line to `width` visible characters, keeping ANSI sequences intact. */
export function clip(line: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const end = line.indexOf('m', i);
      out += line.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible < width) out += line[i];
    visible++;
  }
  return visible > width && out.includes('\x1b') ? `${out}\x1b[0m` : out;
}

function healthCell(
  cell: DemoHealth,
  serving: boolean,
  paint: (style: Style, text: string) => string,
): string {
  const mark = serving ? paint('green', '●') : paint('dim', '○');
  const word = cell.state.padEnd(7);
  const styled =
    cell.state === 'up'
      ? paint('green', word)
      : cell.state === 'down'
        ? paint('red', word)
        : paint('yellow', word);
  const detail =
    cell.error !== undefined && cell.state !== 'up'
      ? cell.error
      : cell.ms !== undefined
        ? `${cell.ms.toFixed(1)} ms`
        : '';
  return `${mark} ${styled} ${ellipsize(detail, CELL - 12).padEnd(CELL - 11)}`;
}

/** Cuts `text` to `width` characters with an ellipsis. */
function ellipsize(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}
