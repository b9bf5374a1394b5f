/**
 * keepalived's notify FIFO lines (keepalived 2.2, `vrrp_notify.c`): one per
 * event, `INSTANCE "<name>" <STATE> <priority>` or `GROUP "<name>" <STATE>
 * <priority>` (a group's priority is 0). States: MASTER, BACKUP, FAULT, STOP
 * (instances only), DELETED (after a reload), and the events
 * MASTER_RX_LOWER_PRI, MASTER_PRIORITY, BACKUP_PRIORITY (priority changes,
 * with `notify_priority_changes`). Pure.
 * @module
 */

/** A VRRP state keepalived reports. */
export type VrrpState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';

/** An event keepalived reports that is not a state. */
export type VrrpNotifyEvent = 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY';

/** One parsed FIFO line. */
export interface NotifyLine {
  readonly type: 'INSTANCE' | 'GROUP';
  readonly name: string;
  readonly state: VrrpState | VrrpNotifyEvent;
  readonly priority: number;
}

const LINE =
  /^(INSTANCE|GROUP) "([^"\n]{1,64})" (MASTER|BACKUP|FAULT|STOP|DELETED|MASTER_RX_LOWER_PRI|MASTER_PRIORITY|BACKUP_PRIORITY) (\d{1,3})$/;

/** Parses one line (without its newline); undefined for anything else. */
export function parseNotifyLine(line: string): NotifyLine | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const priority = Number(m[4]);
  if (priority > 255) return undefined;
  return {
    type: m[1] as NotifyLine['type'],
    name: m[2]!,
    state: m[3] as NotifyLine['state'],
    priority,
  };
}

/** True for the events that carry a priority, not a state. */
export const isPriorityEvent = (state: NotifyLine['state']): state is VrrpNotifyEvent =>
  state === 'MASTER_RX_LOWER_PRI' || state === 'MASTER_PRIORITY' || state === 'BACKUP_PRIORITY';
