/**
 * Sends one encoded nf_tables batch (`encodeBatch`) on a `NETLINK_NETFILTER`
 * socket and reads the kernel's verdict. The kernel runs the batch as one
 * transaction, aborts all of it on any error, and processes it inside
 * `sendto`, so every reply is queued when it returns.
 * @module
 */
import { type BackendError, backendError } from '@lbkit/core';
import {
  decodeAck,
  decodeMessages,
  ERRNO,
  errnoName,
  type NetlinkSocket,
  NLM,
} from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import type { NftBatch } from '../wire/nft-batch-encode.js';

const errnoText = (e: number): string => `errno ${e} (${errnoName(e)})`;

/** What the replies to one batch said. */
interface Verdict {
  /** The last message's ACK (or error) arrived. */
  done: boolean;
  failure: BackendError | undefined;
}

/**
 * Folds the messages of one datagram into `verdict`. Replies outside the
 * batch's sequence range (left over from an earlier batch) are ignored.
 */
function readReplies(datagram: Uint8Array, batch: NftBatch, verdict: Verdict): void {
  const last = batch.lastSeq ?? batch.beginSeq;
  const messages = decodeMessages(datagram);
  if (messages.isErr()) return;
  for (const m of messages.value) {
    if (m.seq < batch.beginSeq || m.seq > last || m.type !== NLM.ERROR) continue;
    const ack = decodeAck(m);
    if (ack.isErr()) continue;
    const code = ack.value.errno;
    if (code !== 0 && !verdict.failure) {
      const which =
        m.seq === batch.beginSeq
          ? 'the batch'
          : `message ${m.seq - batch.beginSeq} of ${batch.messages}`;
      const detail = ack.value.detail ? `: ${ack.value.detail}` : '';
      verdict.failure = backendError(
        'rejected',
        `nf_tables refused ${which}: ${errnoText(code)}${detail}`,
      );
    }
    if (m.seq === batch.lastSeq) verdict.done = true;
  }
}

/**
 * Batches from this size on are sent from another thread (`sendAsync`): the
 * kernel commits inside the send, about 55 µs per service of a cold apply, so
 * 256 KiB (some 250 services) holds the thread for ~15 ms. Below it a send on
 * this thread is cheaper than the hop (a flip is a few hundred bytes).
 */
export const OFF_THREAD_BYTES = 256 * 1024;

/**
 * Sends `batch` on `socket` and waits for the kernel's verdict; a large batch
 * is sent from another thread (`OFF_THREAD_BYTES`). Errors: `rejected` when
 * the kernel refused it (nothing committed; the message names the errno, the
 * message and the kernel's reason); `unsupported` when it cannot be sent at
 * all (too large: nothing reached the kernel); `unavailable` on socket
 * failures (outcome unknown); `closed`.
 */
export async function sendBatch(
  socket: NetlinkSocket,
  batch: NftBatch,
): Promise<Result<void, BackendError>> {
  if (batch.lastSeq === undefined) return ok(undefined);
  socket.reserveSendBuffer?.(batch.bytes.length);
  const sent =
    socket.sendAsync && batch.bytes.length >= OFF_THREAD_BYTES
      ? await socket.sendAsync(batch.bytes)
      : socket.send(batch.bytes);
  if (sent.isErr()) {
    const e = sent.error.errno;
    if (sent.error.kind === 'closed') return err(backendError('closed', sent.error.message));
    // Too big for one datagram: nothing reached the kernel, nft can do it.
    if (e === ERRNO.EMSGSIZE || e === ERRNO.ENOBUFS || e === ERRNO.ENOMEM) {
      return err(
        backendError(
          'unsupported',
          `netlink batch of ${batch.bytes.length} bytes: ${errnoText(e)}`,
        ),
      );
    }
    return err(backendError('unavailable', `netlink sendto: ${sent.error.message}`));
  }
  // The kernel processed the batch inside sendto: every reply is queued now.
  // Without an error, wait (bounded) for the last message's ACK; after an
  // error, take what is queued (a batch-level ENOMEM sends nothing more).
  const verdict: Verdict = { done: false, failure: undefined };
  while (!verdict.done) {
    const datagram = socket.receive({ wait: verdict.failure === undefined });
    if (datagram.isErr()) {
      const e = datagram.error;
      if (e.kind === 'timeout' && verdict.failure) break;
      // Replies were dropped (receive queue full): only errors queue up, so it failed.
      if (e.errno === ERRNO.ENOBUFS) {
        return err(
          verdict.failure ??
            backendError('rejected', `nf_tables replies lost: ${errnoText(e.errno)}`),
        );
      }
      return err(backendError('unavailable', `netlink recv: ${e.message} (outcome unknown)`));
    }
    readReplies(datagram.value, batch, verdict);
  }
  return verdict.failure ? err(verdict.failure) : ok(undefined);
}
