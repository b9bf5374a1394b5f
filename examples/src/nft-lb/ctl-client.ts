/**
 * `nft-lb ctl`: sends one request to a running daemon's control socket and
 * prints the answer, as text (default) or as the daemon's JSON line
 * (`--json`). Exit status 0 done, 1 refused or failed, 2 usage (the caller).
 */
import { connect } from 'node:net';
import type { LogOutput } from '../common/log-output.js';
import { CTL_USAGE, type CtlOptions } from './ctl-args.js';
import type { AdminResult, ReloadResult, StatusResult } from './ctl-handlers.js';
import { type CtlRequest, type CtlResponse, requestLine } from './ctl-protocol.js';
import { defaultSocketPath } from './ctl-socket-path.js';

/** Longest answer read (a status of 30,000 destinations is ~6 MB). */
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

/** Longest wait for an answer (a reload of a large file takes seconds). */
const ANSWER_TIMEOUT_MS = 60_000;

/** The daemon's answer line, or why there is none. */
export function requestOnce(
  path: string,
  request: CtlRequest,
  timeoutMs = ANSWER_TIMEOUT_MS,
): Promise<{ readonly line?: string; readonly error?: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const socket = connect(path);
    const done = (result: { line?: string; error?: string }) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => socket.write(requestLine(request)));
    socket.on('data', (chunk: Buffer) => {
      const end = chunk.indexOf(0x0a);
      chunks.push(end < 0 ? chunk : chunk.subarray(0, end));
      length += chunk.length;
      if (end >= 0) done({ line: Buffer.concat(chunks).toString('utf8') });
      else if (length > MAX_ANSWER_BYTES) done({ error: 'the answer is too long' });
    });
    socket.once('end', () => done({ error: 'the daemon closed the connection without an answer' }));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done({ error: connectError(path, error) }),
    );
  });
}

/** A sentence for a failed connection. */
function connectError(path: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return `${path}: no control socket (is nft-lb running with this --table, in this network namespace? --socket PATH)`;
    case 'EACCES':
    case 'EPERM':
      return `${path}: permission denied (the control socket is root only)`;
    case 'ECONNREFUSED':
      return `${path}: nobody answers (a stale socket: the daemon is not running)`;
    default:
      return `${path}: ${error.message}`;
  }
}

/** Runs `nft-lb ctl` with parsed options; resolves with the exit code. */
export async function runCtl(options: CtlOptions, log: LogOutput): Promise<number> {
  if (options.help || !options.request) {
    log.print(`${CTL_USAGE}\n`);
    return 0;
  }
  const path = options.socket ?? defaultSocketPath(options.table);
  if (path === undefined) {
    log.warn(`nft-lb ctl: --table ${JSON.stringify(options.table)} is not a table name`);
    return 2;
  }
  const answer = await requestOnce(path, options.request);
  if (answer.line === undefined) {
    log.warn(`nft-lb ctl: ${answer.error}`);
    return 1;
  }
  let response: CtlResponse;
  try {
    response = JSON.parse(answer.line) as CtlResponse;
  } catch {
    log.warn(`nft-lb ctl: ${path}: the answer is not JSON`);
    return 1;
  }
  if (options.json) log.print(`${answer.line}\n`);
  else if (response.ok) for (const line of describe(response)) log.info(line);
  else {
    for (const line of response.problems ?? []) log.warn(line);
    log.warn(`nft-lb ctl: ${response.error}`);
  }
  return response.ok ? 0 : 1;
}

/** Text lines of a successful answer. */
export function describe(response: Extract<CtlResponse, { ok: true }>): string[] {
  const pending = (applied: boolean) =>
    applied ? 'applied' : 'accepted; the kernel update is still pending (retrying)';
  switch (response.command) {
    case 'status':
      return statusLines(response.result as StatusResult);
    case 'reload': {
      const r = response.result as ReloadResult;
      const parts = [
        r.added.length > 0 && `added ${r.added.join(', ')}`,
        r.removed.length > 0 && `removed ${r.removed.join(', ')}`,
        r.updated.length > 0 && `updated ${r.updated.join(', ')}`,
      ].filter((p): p is string => typeof p === 'string');
      return [
        `reloaded: ${parts.length > 0 ? parts.join('; ') : 'no change'}; ${pending(r.applied)}`,
      ];
    }
    default: {
      const r = response.result as AdminResult;
      const meaning = {
        drained: 'no new flows, existing connections continue',
        disabled: 'out of the service whatever its health',
        enabled: 'back to normal',
      }[r.admin];
      const until = r.until
        ? r.until.until === 'idle'
          ? `; removed once idle${r.until.deadline === undefined ? '' : ` or after ${r.until.deadline} ms`}`
          : `; removed after ${r.until.until} ms, or sooner once idle`
        : '';
      return [
        `${r.service}/${r.destination}: ${r.admin} (${meaning})${until}; ${pending(r.applied)}`,
      ];
    }
  }
}

const host = (address: string): string => (address.includes(':') ? `[${address}]` : address);

/** `status` as text: one line per service, one indented line per destination. */
export function statusLines(status: StatusResult): string[] {
  const lines = [
    `table inet ${status.table}, rules ${status.rules}${status.ready ? '' : ' (first verdicts pending)'}`,
  ];
  for (const s of status.services) {
    const serving = s.destinations.filter((d) => d.serving).length;
    lines.push(
      `service ${s.name} ${host(s.vip)}:${s.port}/${s.protocol} ${s.scheduler}: ${serving}/${s.destinations.length} serving${s.empty ? ' (empty: its when-empty verdict applies)' : ''}`,
    );
    for (const d of s.destinations) {
      const check = d.lastCheck
        ? `, last check ${d.lastCheck.ok ? 'ok' : `failed (${d.lastCheck.error ?? 'error'})`} ${d.lastCheck.latencyMs} ms`
        : '';
      lines.push(
        `  ${d.name} ${host(d.address)}:${d.port} weight ${d.weight}: ${d.health}, ${d.admin}, ${d.serving ? 'serving' : 'not serving'}${check}`,
      );
    }
  }
  return lines;
}
