import type { BackendError } from '@lbkit/core';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { createConntrackNetlinkCleaner } from './conntrack-netlink.js';
import { createConntrackToolCleaner } from './conntrack-tool.js';
import type { StaleUdpFlows } from './transport.js';

/**
 * How the UDP conntrack cleanup deletes entries: `netlink` (ctnetlink, no
 * process), `conntrack-tool` (one `conntrack -D` process per stale pair), or
 * `auto` (default): netlink, and the tool as the fallback when netlink fails.
 */
export type ConntrackCleanerChoice = 'auto' | 'netlink' | 'conntrack-tool';

/**
 * `forgetUdpFlows` of the real transports, acting in `netns`. A failed
 * cleanup never fails an apply: the backend reports it as a warning.
 */
export function udpFlowForgetter(
  netns: string | undefined,
  choice: ConntrackCleanerChoice = 'auto',
): (flows: readonly StaleUdpFlows[]) => ResultAsync<number, BackendError> {
  const place = netns === undefined ? {} : { netns };
  const netlink = choice === 'conntrack-tool' ? undefined : createConntrackNetlinkCleaner(place);
  const tool = choice === 'netlink' ? undefined : createConntrackToolCleaner(place);
  const viaTool = (flows: readonly StaleUdpFlows[], before?: BackendError) => {
    const both = (e: BackendError): BackendError =>
      before ? { ...e, message: `${before.message}; then ${e.message}` } : e;
    if (!tool) return errAsync(before!);
    if (tool.isErr()) return errAsync(both(tool.error));
    return tool.value.deleteUdpFlows(flows).mapErr(both);
  };
  return (flows) => {
    if (flows.length === 0) return okAsync(0);
    if (!netlink) return viaTool(flows);
    return netlink.deleteUdpFlows(flows).orElse((e) => viaTool(flows, e));
  };
}
