import { Socket } from 'node:net';
import type { ProbeTarget } from '@lbkit/core';
import { MAX_AGENT_REPLY, parseAgentReply } from './agent-words.js';
import { CheckScope } from './check-scope.js';
import { type ClosableProbe, hostPort, invalidProbe } from './closable-probe.js';
import { classifyError } from './errors.js';
import { isSelfConnectedTcp, SELF_CONNECT_MESSAGE } from './self-connect.js';

/** Options of {@link agentProbe}. */
export interface AgentProbeOptions {
  /** The agent's port (HAProxy `agent-port`). Default: the target's port. */
  readonly port?: number;
  /** Text written after connect (HAProxy `agent-send`). Default: nothing. */
  readonly send?: string;
}

/** Control characters refused in a reply (tab is a separator; CR may end the line). */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * HAProxy agent-check probe: connects to the agent, writes `send`, reads one
 * line (up to `MAX_AGENT_REPLY` bytes, ended by LF, CRLF or the agent
 * closing) and parses its words (`agent-words.ts`). The check succeeds with
 * the agent's report (weight percent, drain/maint/ready) unless the agent
 * says `down`/`fail`/`stopped` (kind `mismatch`, with its `#reason`).
 * Unlike HAProxy, where the agent is auxiliary to a health check, here the
 * agent IS the check: an agent that cannot be reached fails it (`refused`,
 * `timeout`...), and so does a reply that is too long, holds a control
 * character (NUL...) or is empty (kind `protocol`). A slow drip is bounded by
 * the check's timeout. Every socket and timer is released when it settles.
 */
export function agentProbe(options: AgentProbeOptions = {}): ClosableProbe {
  const description = `agent${options.port !== undefined ? ` :${options.port}` : ''}`;
  const port = options.port;
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    return invalidProbe(description, `port must be 1..65535, got ${String(port)}`);
  }
  const send = options.send === undefined ? undefined : Buffer.from(options.send, 'utf8');
  return {
    description,
    check: (target, checkOptions) =>
      CheckScope.run(checkOptions, (scope) =>
        ask(scope, { address: target.address, port: port ?? target.port }, send),
      ),
    close: async () => {},
  };
}

function ask(scope: CheckScope, target: ProbeTarget, send: Buffer | undefined): void {
  const where = hostPort(target.address, target.port);
  const socket = new Socket();
  scope.defer(() => socket.destroy());
  socket.on('error', (error) => {
    const { kind, message } = classifyError(error);
    scope.fail(kind, `agent ${where}: ${message}`);
  });
  socket.once('connect', () => {
    if (isSelfConnectedTcp(socket, target.port)) {
      scope.fail('refused', `agent ${where}: ${SELF_CONNECT_MESSAGE}`);
      return;
    }
    if (send && send.length > 0) socket.write(send);
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\n');
      if (end >= 0) judge(scope, where, received.slice(0, end));
      else if (received.length > MAX_AGENT_REPLY) {
        scope.fail('protocol', `agent ${where}: reply longer than ${MAX_AGENT_REPLY} bytes`);
      }
    });
    socket.once('end', () => judge(scope, where, received));
  });
  socket.connect({ host: target.address, port: target.port, noDelay: true });
}

function judge(scope: CheckScope, where: string, raw: string): void {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.length > MAX_AGENT_REPLY) {
    scope.fail('protocol', `agent ${where}: reply longer than ${MAX_AGENT_REPLY} bytes`);
    return;
  }
  if (CONTROL.test(line)) {
    scope.fail('protocol', `agent ${where}: reply holds a control character`);
    return;
  }
  if (line.trim() === '') {
    scope.fail('protocol', `agent ${where}: empty reply`);
    return;
  }
  const reply = parseAgentReply(line);
  if (reply.state === 'down') {
    const reason = reply.reason !== undefined ? `: ${reply.reason}` : '';
    scope.fail('mismatch', `agent ${where} says ${reply.downWord ?? 'down'}${reason}`);
    return;
  }
  scope.succeed(line, reply.report);
}
