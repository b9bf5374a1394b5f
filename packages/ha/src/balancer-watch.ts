/**
 * Ties a running lbkit balancer to the HA health reasons: applies failing,
 * services without destination (when asked), and the first verdicts.
 * @module
 */
import type { Balancer } from '@lbkit/core';
import { APPLY_FAILED, STARTING, serviceEmpty } from './health.js';

/** Which services count when empty: every one, some, or none. */
export type EmptyServices = boolean | readonly string[];

const counts = (which: EmptyServices, service: string): boolean =>
  which === true || (Array.isArray(which) && which.includes(service));

/**
 * Subscribes to `balancer`: `setReason(reason, active)` is called as its
 * state changes. `starting` is cleared once every destination has its first
 * verdict and the kernel matches it. Returns the unsubscribe function.
 */
export function watchBalancer(
  balancer: Balancer,
  emptyServices: EmptyServices,
  setReason: (reason: string, active: boolean) => void,
): () => void {
  let live = true;
  const offs = [
    balancer.on('applyFailed', () => setReason(APPLY_FAILED, true)),
    balancer.on('applied', () => setReason(APPLY_FAILED, false)),
    balancer.on('empty', (e) => {
      if (counts(emptyServices, e.service)) setReason(serviceEmpty(e.service), true);
    }),
    balancer.on('nonEmpty', (e) => setReason(serviceEmpty(e.service), false)),
  ];
  void balancer
    .whenReady()
    .then(() => balancer.settled())
    .then(() => {
      if (!live) return;
      for (const view of balancer.status()) {
        const name = view.service.name;
        if (counts(emptyServices, name)) setReason(serviceEmpty(name), view.empty);
      }
      setReason(STARTING, false);
    });
  return () => {
    live = false;
    for (const off of offs) off();
  };
}
