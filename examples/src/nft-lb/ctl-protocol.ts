/**
 * The protocol of `nft-lb`'s control socket: one JSON request line in, one
 * JSON response line out, then the daemon closes the connection. Pure.
 *
 *   {"command":"status"}
 *   {"command":"drain","service":"web","destination":"s1"}   (also enable, disable)
 *   {"command":"drain","service":"web","destination":"s1","until":"idle","deadline":60000}
 *   {"command":"reload"}
 *
 *   {"ok":true,"command":"drain","result":{...}}
 *   {"ok":false,"error":"service \"web\" has no destination \"s9\""}
 */
import { isValidName } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';

/** Longest request line the daemon reads (bytes, without the line end). */
export const MAX_REQUEST_BYTES = 4096;

/** Commands that set a destination's operator state. */
export const ADMIN_COMMANDS = ['drain', 'enable', 'disable'] as const;

/** Every command. */
export const CTL_COMMANDS = ['status', ...ADMIN_COMMANDS, 'reload'] as const;

/** A command name. */
export type CtlCommand = (typeof CTL_COMMANDS)[number];

/** Longest drain wait a request may ask for (ms): one day. */
export const MAX_DRAIN_MS = 86_400_000;

/** `drain … until`: remove the destination once idle, or after a time (ms). */
export interface DrainUntil {
  readonly until: 'idle' | number;
  /** With `until: 'idle'`: the longest wait (ms). */
  readonly deadline?: number;
}

/** A request, validated. */
export type CtlRequest =
  | { readonly command: 'status' | 'reload' }
  | {
      readonly command: (typeof ADMIN_COMMANDS)[number];
      readonly service: string;
      readonly destination: string;
      /** Only with `drain`. */
      readonly drain?: DrainUntil;
    };

const isDrainMs = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_DRAIN_MS;

/** Validates `until`/`deadline` of a drain request (absent = a plain drain). */
export function parseDrainUntil(
  until: unknown,
  deadline: unknown,
): Result<DrainUntil | undefined, string> {
  if (until === undefined) {
    return deadline === undefined ? ok(undefined) : err('drain: deadline needs until "idle"');
  }
  if (until !== 'idle' && !isDrainMs(until)) {
    return err(`drain: until must be "idle" or ms 1..${MAX_DRAIN_MS}, got ${shown(until)}`);
  }
  if (deadline === undefined) return ok({ until });
  if (until !== 'idle') return err('drain: deadline goes with until "idle" only');
  if (!isDrainMs(deadline)) {
    return err(`drain: deadline must be ms 1..${MAX_DRAIN_MS}, got ${shown(deadline)}`);
  }
  return ok({ until, deadline });
}

/** A response. `problems`: one line each (a config error with its `file:line`). */
export type CtlResponse =
  | { readonly ok: true; readonly command: CtlCommand; readonly result: unknown }
  | { readonly ok: false; readonly error: string; readonly problems?: readonly string[] };

/** At most 40 characters of a value, JSON-quoted: safe to put in an error text. */
export const shown = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

/** Parses and validates one request line (without its line end). */
export function parseCtlRequest(line: string): Result<CtlRequest, string> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return err(`not a JSON request: ${shown(line)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return err('the request must be a JSON object like {"command":"status"}');
  }
  const fields = value as Record<string, unknown>;
  const command = fields['command'];
  if (typeof command !== 'string' || !(CTL_COMMANDS as readonly string[]).includes(command)) {
    return err(`unknown command ${shown(command)} (one of ${CTL_COMMANDS.join(', ')})`);
  }
  const allowed =
    command === 'drain'
      ? ['command', 'service', 'destination', 'until', 'deadline']
      : (ADMIN_COMMANDS as readonly string[]).includes(command)
        ? ['command', 'service', 'destination']
        : ['command'];
  const extra = Object.keys(fields).filter((k) => !allowed.includes(k));
  if (extra.length > 0) return err(`${command}: unexpected field ${shown(extra[0])}`);
  if (command === 'status' || command === 'reload') return ok({ command });
  for (const key of ['service', 'destination'] as const) {
    const name = fields[key];
    if (typeof name !== 'string' || !isValidName(name)) {
      return err(`${command}: ${key} must be a name like web or s1, got ${shown(name)}`);
    }
  }
  const drain = parseDrainUntil(fields['until'], fields['deadline']);
  if (drain.isErr()) return err(drain.error);
  return ok({
    command: command as (typeof ADMIN_COMMANDS)[number],
    service: fields['service'] as string,
    destination: fields['destination'] as string,
    ...(drain.value !== undefined && { drain: drain.value }),
  });
}

/** The line for a request, as `parseCtlRequest` reads it (JSON, newline-terminated). */
export function requestLine(request: CtlRequest): string {
  if (!('drain' in request) || request.drain === undefined) return `${JSON.stringify(request)}\n`;
  const { drain, ...rest } = request;
  return `${JSON.stringify({ ...rest, ...drain })}\n`;
}

/** The line for a response (JSON, newline-terminated). */
export const responseLine = (response: CtlResponse): string => `${JSON.stringify(response)}\n`;

/** An error response. */
export const failure = (error: string, problems?: readonly string[]): CtlResponse => ({
  ok: false,
  error,
  ...(problems !== undefined && { problems }),
});
