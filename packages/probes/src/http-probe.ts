import type { IncomingHttpHeaders } from 'node:http';
import type { ProbeTarget } from '@lbkit/core';
import { Agent, type Dispatcher } from 'undici';
import { CheckScope } from './check-scope.js';
import { type ClosableProbe, hostPort, invalidProbe } from './closable-probe.js';
import { ConnectTracker } from './connect-tracker.js';
import { classifyError } from './errors.js';
import {
  type CompiledHeaderMatch,
  compileHeaderMatch,
  type HeaderMatchOptions,
} from './header-match.js';
import { checkFresh, type FreshConnection } from './http-fresh-check.js';
import { judgeHead, type RequestPlan } from './http-plan.js';
import {
  DEFAULT_MAX_HEADER_BYTES,
  DEFAULT_MAX_HEADERS,
  limitResponseHead,
  type ResponseHeadLimits,
} from './response-head-limit.js';

/** Options of {@link httpHeaderProbe}. */
export interface HttpHeaderProbeOptions {
  /** Default `GET`. */
  readonly method?: 'GET' | 'HEAD';
  /** Request path with query, must start with `/`. Default `/`. */
  readonly path?: string;
  /** `Host` header. Default: the target `address:port` (what undici sends by itself). */
  readonly host?: string;
  /** Use TLS. Default `false`. */
  readonly tls?: boolean;
  /** TLS server name (SNI and certificate name check). Default: `host` when it is a name. */
  readonly servername?: string;
  /** PEM CA bundle trusted instead of the system store. Default: Node's bundled roots. */
  readonly ca?: string | readonly string[];
  /** Skip certificate verification. Default `false`. */
  readonly insecure?: boolean;
  /** Accepted status codes, inclusive. Default `[200, 399]`; redirects are never followed. */
  readonly status?: readonly [number, number];
  /** Response header that must be present and match; its value is reported as identity. */
  readonly header?: HeaderMatchOptions;
  /** Body bytes read at most before the connection is closed instead of drained. Default 65,536. */
  readonly maxBodyBytes?: number;
  /**
   * Bytes of a response head (status line and headers) accepted at most; a
   * larger head fails the check (`protocol`) before the parser reads it. Default 16,384.
   */
  readonly maxHeaderBytes?: number;
  /** Header lines of a response head accepted at most (else `protocol`). Default 100. */
  readonly maxHeaders?: number;
  /** Reuse connections between checks (keep-alive). Default `true`. */
  readonly keepAlive?: boolean;
  /** Idle keep-alive connections are closed after this. Default 4,000 ms (undici's). */
  readonly keepAliveTimeoutMs?: number;
  /** Bound on a TCP/TLS connect that outlives the check that started it. Default 10,000 ms. */
  readonly connectTimeoutMs?: number;
  /** `User-Agent` header. Default `lbkit-probe`. */
  readonly userAgent?: string;
}

const DEFAULT_STATUS: readonly [number, number] = [200, 399];

/**
 * HTTP(S) header probe: one request per check through a probe-owned undici
 * Agent (keep-alive pool, `close()` destroys it); with `keepAlive: false`,
 * through `node:http` on a connection of the check's own, which is about twice
 * as fast as undici for a new connection per check (same limits). Success needs the status in
 * range and, if configured, the header present and matching, and the whole
 * response (body bounded by `maxBodyBytes`, then discarded) within the check's
 * timeout. A failing status or header settles the check at once (`mismatch`)
 * and closes that connection. Redirects are never followed (3xx is a status
 * like any other). Error kinds: `refused`, `unreachable`, `reset`, `timeout`,
 * `mismatch`, `protocol` (bad HTTP, TLS failure), `aborted`.
 */
export function httpHeaderProbe(options: HttpHeaderProbeOptions = {}): ClosableProbe {
  const method = options.method ?? 'GET';
  const path = options.path ?? '/';
  const scheme = options.tls ? 'https' : 'http';
  const [minStatus, maxStatus] = options.status ?? DEFAULT_STATUS;
  const maxBodyBytes = options.maxBodyBytes ?? 65_536;
  const description = `http ${method} ${scheme}://${options.host ?? '<target>'}${path}`;
  if (method !== 'GET' && method !== 'HEAD')
    return invalidProbe(description, `bad method ${method}`);
  if (!path.startsWith('/') || /[\s\0]/.test(path))
    return invalidProbe(description, 'path must start with / and hold no spaces');
  if (
    !(
      Number.isInteger(minStatus) &&
      Number.isInteger(maxStatus) &&
      minStatus >= 100 &&
      maxStatus <= 599 &&
      minStatus <= maxStatus
    )
  ) {
    return invalidProbe(description, 'status must be [min, max] within 100..599');
  }
  if (!(maxBodyBytes >= 0)) return invalidProbe(description, 'maxBodyBytes must be >= 0');
  const head: ResponseHeadLimits = {
    maxBytes: options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES,
    maxHeaders: options.maxHeaders ?? DEFAULT_MAX_HEADERS,
  };
  if (!(Number.isInteger(head.maxBytes) && head.maxBytes >= 256))
    return invalidProbe(description, 'maxHeaderBytes must be an integer >= 256');
  if (!(Number.isInteger(head.maxHeaders) && head.maxHeaders >= 1))
    return invalidProbe(description, 'maxHeaders must be an integer >= 1');
  if (options.host !== undefined && /[\s\0]/.test(options.host))
    return invalidProbe(description, 'bad host');
  let header: CompiledHeaderMatch | undefined;
  if (options.header) {
    const compiled = compileHeaderMatch(options.header);
    if (compiled.isErr()) return invalidProbe(description, compiled.error.message);
    header = compiled.value;
  }
  const plan: RequestPlan = {
    method,
    path,
    scheme,
    userAgent: options.userAgent ?? 'lbkit-probe',
    host: options.host,
    minStatus,
    maxStatus,
    maxBodyBytes,
    header,
  };
  if (options.keepAlive === false) return freshProbe(description, plan, options, head);
  const headers: string[] = ['user-agent', plan.userAgent];
  if (plan.host !== undefined) headers.push('host', plan.host);
  let pool: { agent: Agent; tracker: ConnectTracker } | undefined;
  return {
    description,
    check: (target, checkOptions) =>
      CheckScope.run(checkOptions, (scope) => {
        pool ??= createPool(options, head);
        dispatch(scope, pool.agent, pool.tracker, target, plan, headers);
      }),
    close: async () => {
      const closing = pool;
      pool = undefined;
      closing?.tracker.destroyAll();
      await closing?.agent.destroy().catch(() => undefined);
    },
  };
}

/**
 * `keepAlive: false`: a connection per check through `node:http` (see
 * {@link checkFresh} for why not undici). Nothing is pooled, so `close()` has
 * nothing to end: every check releases its own socket when it settles.
 */
function freshProbe(
  description: string,
  plan: RequestPlan,
  options: HttpHeaderProbeOptions,
  head: ResponseHeadLimits,
): ClosableProbe {
  const connection: FreshConnection = {
    head,
    tls: options.tls
      ? {
          rejectUnauthorized: options.insecure !== true,
          servername: serverName(options),
          ca: options.ca as string | string[] | undefined,
        }
      : undefined,
  };
  return {
    description,
    check: (target, checkOptions) =>
      CheckScope.run(checkOptions, (scope) => checkFresh(scope, target, plan, connection)),
    close: async () => {},
  };
}

/** The TLS server name: `servername`, else the `Host` header's name part when it is a DNS name. */
function serverName(options: HttpHeaderProbeOptions): string | undefined {
  return options.servername ?? (options.host !== undefined ? hostName(options.host) : undefined);
}

function createPool(
  options: HttpHeaderProbeOptions,
  head: ResponseHeadLimits,
): { agent: Agent; tracker: ConnectTracker } {
  const servername = serverName(options);
  const tracker = new ConnectTracker(
    {
      rejectUnauthorized: options.insecure !== true,
      timeout: options.connectTimeoutMs ?? 10_000,
      ...(options.ca !== undefined && { ca: options.ca as string | string[] }),
      ...(servername !== undefined && { servername }),
    },
    (socket) => limitResponseHead(socket, head),
  );
  const keepAliveTimeout = options.keepAliveTimeoutMs ?? 4_000;
  const agent = new Agent({
    keepAliveTimeout,
    keepAliveMaxTimeout: Math.max(keepAliveTimeout, 60_000),
    pipelining: 1,
    connect: tracker.connector,
    // Above our own bound, so it never triggers first (undici counts only names and values).
    maxHeaderSize: head.maxBytes + 1024,
  });
  return { agent, tracker };
}

/** Host part of a `Host` header when it is a DNS name (SNI carries no IP literals). */
function hostName(host: string): string | undefined {
  const name = host.startsWith('[') ? undefined : host.replace(/:\d+$/, '');
  return name && !/^[0-9.]+$/.test(name) ? name : undefined;
}

function dispatch(
  scope: CheckScope,
  agent: Agent,
  tracker: ConnectTracker,
  target: ProbeTarget,
  plan: RequestPlan,
  headers: string[],
): void {
  const where = `${plan.scheme}://${hostPort(target.address, target.port)}${plan.path}`;
  const handler = new HttpCheck(scope, plan, where);
  const origin = tracker.begin(target.address, target.port, plan.scheme === 'https');
  scope.defer(() => {
    handler.release();
    tracker.end(origin);
  });
  agent.dispatch(
    {
      origin: `${plan.scheme}://${hostPort(target.address, target.port)}`,
      path: plan.path,
      method: plan.method,
      headers,
      headersTimeout: null,
      bodyTimeout: null,
    },
    handler,
  );
}

const CHECK_ENDED = Object.assign(new Error('check ended'), { code: 'LBKIT_CHECK_ENDED' });

/** undici handler for one check: judges at headers, succeeds at the end of the body. */
class HttpCheck implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  #identity: string | undefined;
  #bodyBytes = 0;
  #done = false;

  constructor(
    private readonly scope: CheckScope,
    private readonly plan: RequestPlan,
    private readonly where: string,
  ) {}

  /** Called when the check settles: aborts the request unless it is complete. */
  release(): void {
    if (this.#done) return;
    this.#done = true;
    this.#controller?.abort(CHECK_ENDED);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#done) controller.abort(CHECK_ENDED);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return; // 1xx informational: the final response follows
    const verdict = judgeHead(this.plan, this.where, statusCode, (name) => {
      const raw = headers[name];
      return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    });
    if (!verdict.ok) this.scope.fail('mismatch', verdict.message);
    else this.#identity = verdict.identity;
    void controller;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#bodyBytes += chunk.length;
    if (this.#bodyBytes > this.plan.maxBodyBytes && !this.scope.settled) {
      // Enough seen: the verdict stands, the rest is not worth draining.
      this.scope.succeed(this.#identity);
      this.#done = true;
      controller.abort(CHECK_ENDED);
    }
  }

  onResponseEnd(): void {
    this.#done = true;
    this.scope.succeed(this.#identity);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#done = true;
    if (this.scope.settled) return;
    const { kind, message } = classifyError(error);
    this.scope.fail(kind, `${this.where}: ${message}`);
  }
}
