import { err, ok, type Result } from 'neverthrow';
import { errnoError, type NetlinkError, netlinkError } from './errors.js';
import {
  decodeAck,
  decodeDone,
  decodeMessages,
  encodeMessage,
  encodeMessages,
  type NetlinkMessage,
} from './message.js';
import { runAll, runPaced, type Steps } from './slices.js';
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
 * Requests per datagram in `requestEach`. The kernel queues one ack per
 * request, each a separate buffer of about 1 KiB of receive-buffer truesize;
 * 64 stay far below the default `rmem_max` (208 KiB) the receive buffer is
 * capped at, and cut the system calls 64-fold.
 */
const REQUESTS_PER_DATAGRAM = 64;

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
  /**
   * `request`, letting the event loop run between two datagrams of the
   * answer whenever `pace()` gives a promise: for a dump of thousands of
   * objects, which the kernel builds one datagram per receive. Other
   * requests on the connection fail (`io`) until it resolves.
   */
  requestPaced(
    type: number,
    payload: Uint8Array,
    mode: RequestMode,
    pace: () => Promise<void> | undefined,
    operation?: string,
  ): Promise<Result<NetlinkMessage[], NetlinkError>>;
  /**
   * Sends every payload as an NLM_F_ACK request of type `type`, up to
   * `REQUESTS_PER_DATAGRAM` per datagram, and returns each one's answer, in
   * order. The kernel runs the messages of a datagram one after another and
   * answers each, so a failed request does not stop the ones after it. When
   * the socket fails, every request not answered yet gets that error.
   * `operations[i]` labels request i's error.
   */
  requestEach(
    type: number,
    payloads: readonly Uint8Array[],
    operations?: readonly string[],
  ): Result<void, NetlinkError>[];
  /**
   * `requestEach`, letting the event loop run between two datagrams of
   * requests whenever `pace()` gives a promise (thousands of IPVS changes
   * take seconds). Other requests fail (`io`) until it resolves.
   */
  requestEachPaced(
    type: number,
    payloads: readonly Uint8Array[],
    pace: () => Promise<void> | undefined,
    operations?: readonly string[],
  ): Promise<Result<void, NetlinkError>[]>;
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
  /** True while a paced request waits between two datagrams of its answer. */
  let paced = false;

  /** Sends a request; its sequence number, or the send's error. */
  const sendRequest = (
    type: number,
    payload: Uint8Array,
    mode: RequestMode,
    operation: string | undefined,
    extraFlags: number,
  ): Result<number, NetlinkError> => {
    if (closed) return err(netlinkError('closed', 'netlink connection is closed', operation));
    if (paced) {
      return err(netlinkError('io', 'another request is reading its answer', operation));
    }
    seq = (seq + 1) >>> 0;
    const mySeq = seq;
    const flags = NLM.F_REQUEST | (mode === 'dump' ? NLM.F_DUMP : NLM.F_ACK) | extraFlags;
    const sent = socket.send(
      encodeMessage({ type, flags, seq: mySeq, pid: socket.portId, payload }),
    );
    requests++;
    if (sent.isErr()) return err({ ...sent.error, operation: operation ?? 'send' });
    return ok(mySeq);
  };

  /** Reads one datagram of request `mySeq`'s answer into `data`: the answer once complete, else undefined. */
  const readAnswer = (
    mySeq: number,
    mode: RequestMode,
    operation: string | undefined,
    data: NetlinkMessage[],
  ): Result<NetlinkMessage[], NetlinkError> | undefined => {
    const datagram = socket.receive();
    if (datagram.isErr()) return err({ ...datagram.error, ...(operation ? { operation } : {}) });
    const messages = decodeMessages(datagram.value);
    if (messages.isErr()) return err({ ...messages.error, ...(operation ? { operation } : {}) });
    for (const message of messages.value) {
      if (message.seq !== mySeq) continue;
      if (message.type === NLM.ERROR) {
        const ack = decodeAck(message);
        if (ack.isErr()) return err(ack.error);
        if (ack.value.errno !== 0) {
          return err(errnoError(ack.value.errno, operation, ack.value.detail));
        }
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
        return err(netlinkError('io', 'dump interrupted by a concurrent change; retry', operation));
      }
      data.push(message);
    }
    return undefined;
  };

  const noEnd = (operation: string | undefined) =>
    err(netlinkError('io', `no end of reply after ${MAX_DATAGRAMS} datagrams`, operation));

  const request: NetlinkConnection['request'] = (
    type,
    payload,
    mode,
    operation,
    extraFlags = 0,
  ) => {
    const sent = sendRequest(type, payload, mode, operation, extraFlags);
    if (sent.isErr()) return err(sent.error);
    const data: NetlinkMessage[] = [];
    for (let i = 0; i < MAX_DATAGRAMS; i++) {
      const answer = readAnswer(sent.value, mode, operation, data);
      if (answer) return answer;
    }
    return noEnd(operation);
  };

  const requestPaced: NetlinkConnection['requestPaced'] = async (
    type,
    payload,
    mode,
    pace,
    operation,
  ) => {
    const sent = sendRequest(type, payload, mode, operation, 0);
    if (sent.isErr()) return err(sent.error);
    const data: NetlinkMessage[] = [];
    paced = true;
    try {
      for (let i = 0; i < MAX_DATAGRAMS; i++) {
        const answer = readAnswer(sent.value, mode, operation, data);
        if (answer) return answer;
        const pause = pace();
        if (pause) await pause;
      }
      return noEnd(operation);
    } finally {
      paced = false;
    }
  };

  /** Sends payloads [from, to) in one datagram and fills their results; the socket's error when it failed. */
  const sendGroup = (
    type: number,
    payloads: readonly Uint8Array[],
    operations: readonly string[],
    from: number,
    to: number,
    results: Result<void, NetlinkError>[],
  ): NetlinkError | undefined => {
    const firstSeq = (seq + 1) >>> 0;
    const messages = payloads.slice(from, to).map((payload) => {
      seq = (seq + 1) >>> 0;
      return { type, flags: NLM.F_REQUEST | NLM.F_ACK, seq, pid: socket.portId, payload };
    });
    const count = messages.length;
    const fail = (e: NetlinkError): NetlinkError => {
      for (let i = from; i < to; i++)
        results[i] ??= err({ ...e, operation: operations[i] ?? 'send' });
      return e;
    };
    const sent = socket.send(encodeMessages(messages));
    requests += count;
    if (sent.isErr()) return fail(sent.error);
    let answered = 0;
    for (let d = 0; d < MAX_DATAGRAMS && answered < count; d++) {
      const datagram = socket.receive();
      if (datagram.isErr()) return fail(datagram.error);
      const replies = decodeMessages(datagram.value);
      if (replies.isErr()) return fail(replies.error);
      for (const message of replies.value) {
        const i = from + ((message.seq - firstSeq) >>> 0);
        if (i >= to || message.type !== NLM.ERROR || results[i] !== undefined) continue;
        const ack = decodeAck(message);
        if (ack.isErr()) return fail(ack.error);
        results[i] =
          ack.value.errno === 0
            ? ok(undefined)
            : err(errnoError(ack.value.errno, operations[i], ack.value.detail));
        answered++;
      }
    }
    return answered === count
      ? undefined
      : fail(netlinkError('io', `no answer after ${MAX_DATAGRAMS} datagrams`));
  };

  /** Every request refused, when the connection is closed or a paced request holds it. */
  const refusal = (
    payloads: readonly Uint8Array[],
    operations: readonly string[],
  ): Result<void, NetlinkError>[] | undefined => {
    if (!closed && !paced) return undefined;
    const e = closed
      ? netlinkError('closed', 'netlink connection is closed')
      : netlinkError('io', 'another request is reading its answer');
    return payloads.map((_, i) => err({ ...e, operation: operations[i] ?? 'send' }));
  };

  /** `requestEach` as steps: it yields between two datagrams of requests. */
  function* eachGroup(
    type: number,
    payloads: readonly Uint8Array[],
    operations: readonly string[],
  ): Steps<Result<void, NetlinkError>[]> {
    const results: Result<void, NetlinkError>[] = [];
    for (let from = 0; from < payloads.length; from += REQUESTS_PER_DATAGRAM) {
      if (from > 0) yield;
      const to = Math.min(payloads.length, from + REQUESTS_PER_DATAGRAM);
      const failed = sendGroup(type, payloads, operations, from, to, results);
      if (failed) {
        for (let i = to; i < payloads.length; i++)
          results[i] = err({ ...failed, operation: operations[i] ?? 'send' });
        break;
      }
    }
    return results;
  }

  const requestEach: NetlinkConnection['requestEach'] = (type, payloads, operations = []) =>
    refusal(payloads, operations) ?? runAll(eachGroup(type, payloads, operations));

  const requestEachPaced: NetlinkConnection['requestEachPaced'] = async (
    type,
    payloads,
    pace,
    operations = [],
  ) => {
    const refused = refusal(payloads, operations);
    if (refused) return refused;
    paced = true;
    try {
      return await runPaced(eachGroup(type, payloads, operations), pace);
    } finally {
      paced = false;
    }
  };

  return {
    request,
    requestPaced,
    requestEach,
    requestEachPaced,
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
