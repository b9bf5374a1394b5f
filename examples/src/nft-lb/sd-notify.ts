/**
 * Tells systemd about the daemon's state when it runs under a unit with
 * `Type=notify` (`$NOTIFY_SOCKET` set), through `systemd-notify --pid=<our pid>`
 * (the unit needs `NotifyAccess=all`, since the message comes from a child).
 * A no-op otherwise; failures are ignored (notification must never break
 * balancing).
 */
import { execFile } from 'node:child_process';

/** Sends `assignments` (e.g. `READY=1`, `STATUS=...`) to systemd, if it listens. */
export function notifySystemd(...assignments: string[]): void {
  if (!process.env['NOTIFY_SOCKET']) return;
  execFile('systemd-notify', [`--pid=${process.pid}`, ...assignments], () => undefined);
}
