import { err, ok, type Result } from 'neverthrow';
import { errnoError, type NetlinkError, netlinkError } from './errors.js';
import {
  decodeAck,
  decodeDone,
  decodeMessages,
  encodeMessage,
  type NetlinkMessage,
} from './message.js';
import type { NetlinkSocket } from './socket.js';
import { NLM } from './uapi.js';

/** How a request expects its answer. */
export type RequestMode =
  /** NLM_F_ACK: zero or more data messages, then an ACK (NLMSG_ERROR errno 0). */
  | 'ack'
  /** NLM_F_DUMP: a multi-part series of data messages ended by NLMSG_DONE. */
  | 'dump';

/** Bound on datagrams read for one request (a 1,000-service dump needs a few dozen). */
const MAX_DATAGRAMS = 100_000;

/**
 * Request/response over a `NetlinkSocket`: stamps sequence numbers, sends,
 * and reads until the request's ACK, error or NLMSG_DONE. Replies with another
 * sequence number (left over from an earlier timed-out request) are skipped.
 * Synchronous: one request is in flight at a time by construction.
 */
export interface NetlinkConnection {
  /** Sends `type`/`payload` and returns the data messages of the answer. */
  request(
    type: number,
    payload: Uint8Array,
    mode: RequestMode,
    operation?: string,
    extraFlags?: number,
  ): Result<NetlinkMessage[], NetlinkError>;
  /** Number of requests sent (for reports and benchmarks). */
  readonly requests: number;
  /** The sequence number the next message would get (for batches sent beside requests). */
  readonly nextSeq: number;
  /** Skips `count` sequence numbers (used by a batch sent on the same socket). */
  skip(count: number): void;
  close(): void;
}

/** Wraps a socket. `firstSeq` (default: time-based) makes fixtures deterministic. */
export function createNetlinkConnection(
  socket: NetlinkSocket,
  firstSeq: number = Math.floor(Date.now() / 1000) & 0x7fffffff,
): NetlinkConnection {
  let seq = firstSeq >>> 0;
  let requests = 0;
  let closed = false;

  const request: NetlinkConnection['request'] = (
    type,
    payload,
    mode,
    operation,
    extraFlags = 0,
  ) => {
    if (closed) return err(netlinkError('closed', 'netlink connection is closed', operation));
    seq = (seq + 1) >>> 0;
    const mySeq = seq;
    const flags = NLM.F_REQUEST | (mode === 'dump' ? NLM.F_DUMP : NLM.F_ACK) | extraFlags;
    const sent = socket.send(
      encodeMessage({ type, flags, seq: mySeq, pid: socket.portId, payload }),
    );
    requests++;
    if (sent.isErr()) return err({ ...sent.error, operation: operation ?? 'send' });
    const data: NetlinkMessage[] = [];
    for (let i = 0; i < MAX_DATAGRAMS; i++) {
      const datagram = socket.receive();
      if (datagram.isErr()) return err({ ...datagram.error, ...(operation ? { operation } : {}) });
      const messages = decodeMessages(datagram.value);
      if (messages.isErr()) return err({ ...messages.error, ...(operation ? { operation } : {}) });
      for (const message of messages.value) {
        if (message.seq !== mySeq) continue;
        if (message.type === NLM.ERROR) {
          const ack = decodeAck(message);
          if (ack.isErr()) return err(ack.error);
          if (ack.value.errno !== 0)
            return err(errnoError(ack.value.errno, operation, ack.value.detail));
          if (mode === 'ack') return ok(data);
          continue;
        }
        if (message.type === NLM.DONE) {
          const errno = decodeDone(message);
          if (errno !== 0) return err(errnoError(errno, operation));
          return ok(data);
        }
        if (message.type === NLM.NOOP) continue;
        if (message.type === NLM.OVERRUN) {
          return err(netlinkError('io', 'netlink overrun', operation));
        }
        if ((message.flags & NLM.F_DUMP_INTR) !== 0) {
          return err(
            netlinkError('io', 'dump interrupted by a concurrent change; retry', operation),
          );
        }
        data.push(message);
      }
    }
    return err(netlinkError('io', `no end of reply after ${MAX_DATAGRAMS} datagrams`, operation));
  };

  return {
    request,
    get requests() {
      return requests;
    },
    get nextSeq() {
      return (seq + 1) >>> 0;
    },
    skip(count: number) {
      seq = (seq + count) >>> 0;
    },
    close() {
      closed = true;
      socket.close();
    },
  };
}
