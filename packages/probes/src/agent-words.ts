/**
 * HAProxy's agent-check reply, parsed: one line of words separated by
 * spaces, tabs or commas, case-insensitive, an optional `#reason` at the end.
 *
 * - `up` — operational state up; `ready` — administrative state ready
 *   (cancels `drain` and `maint`); both make the check succeed;
 * - `down`, `fail`, `stopped` — operational state down (the check fails, with
 *   the reason after `#`);
 * - `drain` — weight 0: no new flows, existing ones continue;
 * - `maint` — administratively out of service (like `disable`);
 * - `N%` — weight = configured weight x N / 100 (0..256; `0%` = no new flows);
 * - anything else (`maxconn:30`, unknown words) is ignored, as HAProxy does.
 *
 * Words the agent does not say leave their setting as it was (the health
 * engine keeps the state). Within one reply the last word of a kind wins.
 */
import type { AgentReport } from '@lbkit/core';

/** Longest agent reply line in bytes (HAProxy reads a small buffer). */
export const MAX_AGENT_REPLY = 1024;

/** A parsed reply. */
export interface AgentReply {
  /** `down` when the agent said down/fail/stopped; `up` otherwise. */
  readonly state: 'up' | 'down';
  /** The word that set `state` to down (`down`, `fail`, `stopped`). */
  readonly downWord?: string;
  /** Text after `#`, trimmed (peer text: the engine escapes and caps it). */
  readonly reason?: string;
  /** Weight percent and admin state, only what the agent said. */
  readonly report: AgentReport;
}

const PERCENT = /^(\d{1,3})%$/;

/** Parses one reply line (without its line end). Pure; never throws. */
export function parseAgentReply(line: string): AgentReply {
  const hash = line.indexOf('#');
  const words = (hash >= 0 ? line.slice(0, hash) : line).toLowerCase().split(/[ \t,]+/);
  const reason = hash >= 0 ? line.slice(hash + 1).trim() : '';
  let state: 'up' | 'down' = 'up';
  let downWord: string | undefined;
  let percent: number | undefined;
  let admin: AgentReport['admin'];
  for (const word of words) {
    if (word === 'up') {
      state = 'up';
      downWord = undefined;
    } else if (word === 'down' || word === 'fail' || word === 'stopped') {
      state = 'down';
      downWord = word;
    } else if (word === 'ready' || word === 'drain' || word === 'maint') {
      admin = word;
    } else {
      const match = PERCENT.exec(word);
      const value = match ? Number(match[1]) : Number.NaN;
      if (value <= 256) percent = value;
    }
  }
  const report: AgentReport = {
    ...(percent !== undefined ? { percent } : {}),
    ...(admin !== undefined ? { admin } : {}),
  };
  return {
    state,
    ...(downWord !== undefined ? { downWord } : {}),
    ...(reason !== '' ? { reason } : {}),
    report,
  };
}
