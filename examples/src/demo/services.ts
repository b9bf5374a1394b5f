/**
 * The demo's built-in configuration: three services on one VIP, each probed
 * the way the article does it (TCP connect, DNS TXT `health.load.balance`,
 * HTTP `X-Trace` header), with fast probes so a failure shows in well under a second.
 */
import {
  type ConfigIssue,
  type HealthInput,
  type Service,
  type ServiceInput,
  validateServices,
} from '@lbkit/core';
import type { Result } from 'neverthrow';
import type { DemoService } from './demo-state.js';

/** Ports the lab's name servers listen on. */
export const DEMO_PORTS = { line: 7000, dns: 53, http: 80, echo: 7003 } as const;

/** The demo's services as the screen labels them. */
export const DEMO_SERVICES: readonly DemoService[] = [
  { name: 'line', label: `tcp ${DEMO_PORTS.line} line`, protocol: 'tcp' },
  { name: 'dns', label: `udp ${DEMO_PORTS.dns} DNS TXT`, protocol: 'dns' },
  { name: 'http', label: `tcp ${DEMO_PORTS.http} HTTP`, protocol: 'http' },
];

/** Probe timing of the demo. */
export interface DemoTiming {
  /** Probe interval in ms. Default 150. */
  readonly interval?: number;
  /** Failures before removal. Default 2. */
  readonly fall?: number;
  /** Successes before use. Default 2. */
  readonly rise?: number;
  /** Also the `echo` service (rr, long-lived connections; the pair demo). Default false. */
  readonly echo?: boolean;
}

/** Builds and validates the demo's services for `servers` behind `vip`. */
export function demoServices(
  vip: string,
  servers: readonly { readonly name: string; readonly address: string }[],
  timing: DemoTiming = {},
): Result<readonly Service[], readonly ConfigIssue[]> {
  const interval = timing.interval ?? 150;
  const health: HealthInput = {
    interval,
    fastInterval: Math.max(20, Math.round(interval * 0.66)),
    downInterval: interval,
    timeout: Math.max(50, Math.round(interval * 1.5)),
    rise: timing.rise ?? 2,
    fall: timing.fall ?? 2,
    jitter: interval,
    initial: 'unknown',
  };
  const destinations = servers.map((s) => ({ name: s.name, address: s.address }));
  const inputs: ServiceInput[] = [
    {
      name: 'line',
      vip,
      port: DEMO_PORTS.line,
      protocol: 'tcp',
      probe: { kind: 'tcp' },
      health,
      destinations,
    },
    {
      name: 'dns',
      vip,
      port: DEMO_PORTS.dns,
      protocol: 'udp',
      probe: { kind: 'dns', name: 'health.load.balance', type: 'TXT' },
      health,
      destinations,
    },
    {
      name: 'http',
      vip,
      port: DEMO_PORTS.http,
      protocol: 'tcp',
      probe: { kind: 'http', path: '/', header: { name: 'X-Trace', matches: '/^s[0-9]+$/' } },
      health,
      destinations,
    },
    ...(timing.echo
      ? [
          {
            name: 'echo',
            vip,
            port: DEMO_PORTS.echo,
            protocol: 'tcp',
            probe: { kind: 'tcp' },
            health,
            destinations,
          } as const,
        ]
      : []),
  ];
  return validateServices(inputs);
}
