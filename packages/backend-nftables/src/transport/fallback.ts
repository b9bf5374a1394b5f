import type { BackendError } from '@lbkit/core';
import { errAsync, type ResultAsync } from 'neverthrow';
import type { NftCommand } from '../render/commands.js';
import type { NftTransport } from './transport.js';

/**
 * `primary` with `secondary` behind it, as one transport: whatever `primary`
 * answers `unsupported` (commands outside the netlink encoder's dialect, a
 * batch too large for one datagram, a read it cannot do) goes to `secondary`,
 * and a write that took that way says so in `warnings`. Any other error is
 * final (a refused transaction must not be retried elsewhere: the same
 * commands would be refused again). Closing closes both.
 */
export function withFallback(primary: NftTransport, secondary: NftTransport): NftTransport {
  if (primary.table !== secondary.table) {
    throw new Error(`withFallback: tables differ (${primary.table}, ${secondary.table})`);
  }
  const other = <T>(
    first: ResultAsync<T, BackendError>,
    second: () => ResultAsync<T, BackendError>,
  ): ResultAsync<T, BackendError> =>
    first.orElse((e) => (e.kind === 'unsupported' ? second() : errAsync(e)));
  const compare = primary.compare ?? secondary.compare;
  return {
    name: `${primary.name}+${secondary.name}`,
    table: primary.table,
    write: (commands: readonly NftCommand[]) =>
      primary.write(commands).orElse((e) =>
        e.kind !== 'unsupported'
          ? errAsync(e)
          : secondary.write(commands).map((report) => ({
              ...report,
              warnings: [
                `${primary.name}: ${e.message}; sent through ${secondary.name}`,
                ...report.warnings,
              ],
            })),
      ),
    read: () => other(primary.read(), () => secondary.read()),
    probe: () => other(primary.probe(), () => secondary.probe()),
    ...(compare
      ? {
          compare: (expected: readonly NftCommand[]) =>
            compare.call(primary.compare ? primary : secondary, expected),
        }
      : {}),
    forgetUdpFlows: (flows) => primary.forgetUdpFlows(flows),
    close() {
      primary.close();
      secondary.close();
    },
  };
}
