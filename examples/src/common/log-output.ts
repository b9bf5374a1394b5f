/**
 * Where a daemon's log lines go: information to stdout, problems to stderr
 * (journald keeps both under systemd), one line each, never fatal.
 *
 * - Every line is made safe (`safeText`): control and format characters
 *   escaped, at most `maxLineChars` long. Text from outside (a TXT record, a
 *   header, an error message) can never start a second, forged journald line
 *   such as `<0>...`.
 * - A stream that fails (EPIPE: `| head` exited, a dead `tee` or `logger`;
 *   EIO: a closed terminal) is dropped and its lines go to the other stream;
 *   when both are gone, lines are dropped. The daemon goes on either way.
 */
import { safeText } from '@lbkit/core';

/** Options of `createLogOutput`. */
export interface LogOutputOptions {
  /**
   * Prefix lines with their syslog priority (`<6>` information, `<4>`
   * problems), which journald reads from a unit's stdout/stderr
   * (`SyslogLevelPrefix=yes`, the default). Default: when `$JOURNAL_STREAM` is set.
   */
  readonly journald?: boolean;
  /** Default `process.stdout`. */
  readonly stdout?: NodeJS.WritableStream;
  /** Default `process.stderr`. */
  readonly stderr?: NodeJS.WritableStream;
  /** Longest line written (longer ones end in `…`). Default 4096 characters. */
  readonly maxLineChars?: number;
}

/** Writes log lines. Never throws. */
export interface LogOutput {
  /** Information (stdout). */
  info(line: string): void;
  /** A problem (stderr). */
  warn(line: string): void;
  /** Writes `text` as it is (help, a rendered script) to stdout or stderr, if still there. */
  print(text: string, to?: 'stdout' | 'stderr'): void;
}

/** Default `maxLineChars`. */
export const MAX_LOG_LINE_CHARS = 4096;

interface Sink {
  readonly name: string;
  readonly stream: NodeJS.WritableStream;
  alive: boolean;
}

/** Creates the output; attaches `error` listeners to both streams at once. */
export function createLogOutput(options: LogOutputOptions = {}): LogOutput {
  const journald = options.journald ?? process.env['JOURNAL_STREAM'] !== undefined;
  const max = options.maxLineChars ?? MAX_LOG_LINE_CHARS;
  const out: Sink = { name: 'stdout', stream: options.stdout ?? process.stdout, alive: true };
  const err: Sink = { name: 'stderr', stream: options.stderr ?? process.stderr, alive: true };

  const lose = (sink: Sink, other: Sink, error: NodeJS.ErrnoException | null | undefined): void => {
    if (!sink.alive) return;
    sink.alive = false;
    const why = error?.code ?? error?.message ?? 'closed';
    const line = `${sink.name} is gone (${why}); its lines go to ${other.name} from now on`;
    write(other, sink, `${journald ? '<4>' : ''}${safeText(line, max)}\n`);
  };
  /** Writes to `sink`; a line the stream fails to take goes to `other` (if alive). */
  function write(sink: Sink, other: Sink, text: string): void {
    if (!sink.alive) {
      if (other.alive) write(other, sink, text);
      return;
    }
    try {
      sink.stream.write(text, (error) => {
        if (!error) return;
        lose(sink, other, error);
        if (other.alive) write(other, sink, text);
      });
    } catch (error) {
      lose(sink, other, error as NodeJS.ErrnoException);
      if (other.alive) write(other, sink, text);
    }
  }
  out.stream.on('error', (error: NodeJS.ErrnoException) => lose(out, err, error));
  err.stream.on('error', (error: NodeJS.ErrnoException) => lose(err, out, error));

  const emit = (first: Sink, second: Sink, priority: string, line: string): void =>
    write(first, second, `${journald ? priority : ''}${safeText(line, max)}\n`);
  return {
    info: (line) => emit(out, err, '<6>', line),
    warn: (line) => emit(err, out, '<4>', line),
    print: (text, to = 'stdout') => {
      const sink = to === 'stdout' ? out : err;
      write(sink, { ...(to === 'stdout' ? err : out), alive: false }, text);
    },
  };
}
