import { type IncomingMessage, request } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ProbeTarget } from '@lbkit/core';
import type { CheckScope } from './check-scope.js';
import { hostPort } from './closable-probe.js';
import { classifyError } from './errors.js';
import { judgeHead, type RequestPlan, rawHeaderValues } from './http-plan.js';
import { limitResponseHead, type ResponseHeadLimits } from './response-head-limit.js';
import { isSelfConnectedTcp, SELF_CONNECT_MESSAGE } from './self-connect.js';

/** How a fresh-connection check connects: the head limits and, for HTTPS, the TLS settings. */
export interface FreshConnection {
  readonly head: ResponseHeadLimits;
  readonly tls: FreshTls | undefined;
}

/** TLS settings of a fresh-connection check (the probe's `servername`, `ca`, `insecure`). */
export interface FreshTls {
  readonly rejectUnauthorized: boolean;
  readonly servername: string | undefined;
  readonly ca: string | string[] | undefined;
}

/**
 * One HTTP check on a connection of its own (the probe's `keepAlive: false`),
 * through `node:http` with no agent. undici is the client for reused
 * connections; for a new connection per check it costs about twice as much
 * per check (measured: it builds a Pool and a Client per connection and an
 * error object, with its stack, for each closed socket), so this mode uses
 * Node's own client with the same limits: the socket is ours (the response
 * head limit and the self-connect guard sit on it before the parser), the
 * verdict comes at the head (`judgeHead`), the body is read up to
 * `maxBodyBytes` and no further, and the check's release destroys the request
 * and the socket whatever state they are in.
 */
export function checkFresh(
  scope: CheckScope,
  target: ProbeTarget,
  plan: RequestPlan,
  connection: FreshConnection,
): void {
  const where = `${plan.scheme}://${hostPort(target.address, target.port)}${plan.path}`;
  const onError = (error: Error): void => {
    if (scope.settled) return;
    const { kind, message } = classifyError(error);
    scope.fail(kind, `${where}: ${message}`);
  };
  let socket: Socket | undefined;
  const headers: Record<string, string> = { 'user-agent': plan.userAgent };
  if (plan.host !== undefined) headers['host'] = plan.host;
  const req = request({
    host: target.address,
    port: target.port,
    method: plan.method,
    path: plan.path,
    headers,
    // Above our own bound, so it never triggers first.
    maxHeaderSize: connection.head.maxBytes + 1024,
    createConnection: () => {
      socket = open(scope, target, where, connection);
      socket.on('error', onError);
      return socket;
    },
  });
  scope.defer(() => {
    req.destroy();
    socket?.destroy();
  });
  req.on('error', onError);
  req.once('close', () =>
    scope.fail('reset', `${where}: connection closed before the response ended`),
  );
  req.on('response', (res: IncomingMessage) => onResponse(scope, plan, where, res, onError));
  req.end();
}

function open(
  scope: CheckScope,
  target: ProbeTarget,
  where: string,
  connection: FreshConnection,
): Socket {
  const { tls } = connection;
  const socket: Socket = tls
    ? tlsConnect({
        host: target.address,
        port: target.port,
        rejectUnauthorized: tls.rejectUnauthorized,
        ALPNProtocols: ['http/1.1'],
        ...(tls.servername !== undefined && { servername: tls.servername }),
        ...(tls.ca !== undefined && { ca: tls.ca }),
      })
    : netConnect({ host: target.address, port: target.port });
  // The plain request goes out in one write (Nagle cannot delay it); a TLS handshake takes several.
  if (tls) socket.setNoDelay(true);
  socket.once('connect', () => {
    if (!isSelfConnectedTcp(socket, target.port)) return;
    if (!tls) socket.resetAndDestroy(); // RST: no TIME_WAIT holding the port
    scope.fail('refused', `${where}: ${SELF_CONNECT_MESSAGE}`);
  });
  limitResponseHead(socket, connection.head);
  return socket;
}

function onResponse(
  scope: CheckScope,
  plan: RequestPlan,
  where: string,
  res: IncomingMessage,
  onError: (error: Error) => void,
): void {
  res.on('error', onError);
  const verdict = judgeHead(plan, where, res.statusCode ?? 0, (name) =>
    rawHeaderValues(res.rawHeaders, name),
  );
  if (!verdict.ok) {
    scope.fail('mismatch', verdict.message);
    return;
  }
  let bodyBytes = 0;
  res.on('data', (chunk: Buffer) => {
    bodyBytes += chunk.length;
    // Enough seen: the verdict stands, the rest is not worth reading (the release closes it).
    if (bodyBytes > plan.maxBodyBytes) scope.succeed(verdict.identity);
  });
  res.once('end', () => scope.succeed(verdict.identity));
}
