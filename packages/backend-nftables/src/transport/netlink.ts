/**
 * The default transport: every write is ONE raw nf_tables netlink batch
 * (byte for byte what nft sends for the same commands), sent on a
 * `NETLINK_NETFILTER` socket opened once in the table's namespace; the
 * generation id and the table's flags and comment are asked on the same
 * socket. No nft process, no text parsing, no cache dump of every chain and
 * set before a change.
 * @module
 */
import { type BackendError, backendError } from '@lbkit/core';
import {
  type AttrSpec,
  attrString,
  createNetlinkConnection,
  createSerialQueue,
  decodeAttributes,
  decodeMessages,
  encodeAttributes,
  indexAttributes,
  type NetlinkConnection,
  type NetlinkError,
  type NetlinkMessage,
  type NetlinkSocket,
  openNetlinkSocket,
  pacer,
  readBe32,
  runInSlices,
  runPaced,
  SOCKET,
  type Steps,
  yieldToEventLoop,
} from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import { DEFAULT_TABLE, isSlotMapName } from '../names.js';
import { diffSnapshotsSteps, MISSING_TABLE, type TableSnapshot } from '../read/table-snapshot.js';
import type { NftCommand } from '../render/commands.js';
import { encodeBatchSteps } from '../wire/nft-batch-encode.js';
import {
  type DecodedTable,
  decodeTableSteps,
  isDynamicSet,
  observeDecoded,
  snapshotOfSteps,
} from '../wire/nft-dump-decode.js';
import { NlWriter } from '../wire/nl-writer.js';
import { NFNL, NFPROTO_INET, NFT, NFT_USER, NFTA } from '../wire/uapi.js';
import { sendBatch } from './batch-send.js';
import { type ConntrackCleanerChoice, udpFlowForgetter } from './conntrack-cleanup.js';
import type { NftTransport, TableComparison, TableProbe, WriteReport } from './transport.js';

/** Options of `createNetlinkTransport`. */
export interface NetlinkTransportOptions {
  /** Table name (family `inet`), validated by the backend. Default `lbkit`. */
  readonly table?: string;
  /** Named network namespace (`ip netns add NAME`) to open the socket in. Default: own. */
  readonly netns?: string;
  /** Bound on waiting for one reply, ms. Default 5000. */
  readonly timeoutMs?: number;
  /** Test seam: a socket to use instead of opening one (e.g. an in-memory kernel). */
  readonly socket?: NetlinkSocket;
  /** How the UDP conntrack cleanup deletes entries. Default `auto` (ctnetlink, the tool behind it). */
  readonly conntrackCleaner?: ConntrackCleanerChoice;
}

const msgType = (msg: number): number => (NFNL.SUBSYS_NFTABLES << 8) | msg;

/** `struct nfgenmsg` + attributes: the payload of an nf_tables request. */
function nfgen(family: number, attributes: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(NFNL.GENMSG_LEN + attributes.length);
  out[0] = family;
  out[1] = NFNL.NFNETLINK_V0;
  out.set(attributes, NFNL.GENMSG_LEN);
  return out;
}

/** The comment in a table's user data (libnftnl TLVs: u8 type, u8 length, value). */
export function tableComment(udata: Uint8Array): string | undefined {
  for (let at = 0; at + 2 <= udata.length; ) {
    const type = udata[at]!;
    const len = udata[at + 1]!;
    const value = udata.subarray(at + 2, at + 2 + len);
    if (type === NFT_USER.UDATA_TABLE_COMMENT) {
      const end = value.indexOf(0);
      return new TextDecoder().decode(end < 0 ? value : value.subarray(0, end));
    }
    at += 2 + len;
  }
  return undefined;
}

const fromNetlink = (e: NetlinkError, what: string): BackendError =>
  backendError(
    e.kind === 'permission' || e.kind === 'unavailable' || e.kind === 'closed'
      ? e.kind === 'closed'
        ? 'closed'
        : 'unavailable'
      : e.kind === 'parse'
        ? 'parse'
        : 'rejected',
    `${what}: ${e.message}`,
    { cause: e },
  );

/** The namespace's nf_tables generation id (`NFT_MSG_GETGEN`). */
export function readGeneration(connection: NetlinkConnection): Result<number, BackendError> {
  const replies = connection.request(msgType(NFT.MSG_GETGEN), nfgen(0), 'ack', 'GETGEN');
  if (replies.isErr()) return err(fromNetlink(replies.error, 'nf_tables generation'));
  for (const m of replies.value) {
    if (m.type !== msgType(NFT.MSG_NEWGEN)) continue;
    const attrs = decodeAttributes(m.payload.subarray(NFNL.GENMSG_LEN));
    const id = attrs.isOk() ? indexAttributes(attrs.value).get(NFT.GEN_ID) : undefined;
    const value = id && readBe32(id);
    if (value !== undefined) return ok(value);
  }
  return err(backendError('parse', 'nf_tables generation: no NFTA_GEN_ID in the reply'));
}

/** `NFT_MSG_GETTABLE` of `inet <table>`: existence, flags and comment. */
export function readTable(
  connection: NetlinkConnection,
  table: string,
): Result<Omit<TableProbe, 'generation'>, BackendError> {
  const payload = nfgen(NFPROTO_INET, encodeAttributes([attrString(NFTA.TABLE_NAME, table)]));
  const replies = connection.request(
    msgType(NFT.MSG_GETTABLE),
    payload,
    'ack',
    `GETTABLE ${table}`,
  );
  if (replies.isErr()) {
    if (replies.error.kind === 'not-found') return ok({ exists: false, dormant: false });
    return err(fromNetlink(replies.error, `table inet ${table}`));
  }
  const reply = replies.value.find((m) => m.type === msgType(NFT.MSG_NEWTABLE));
  if (!reply) return err(backendError('parse', `table inet ${table}: no NEWTABLE in the reply`));
  const attrs = decodeAttributes(reply.payload.subarray(NFNL.GENMSG_LEN));
  if (attrs.isErr()) return err(fromNetlink(attrs.error, `table inet ${table}`));
  const by = indexAttributes(attrs.value);
  const flags = by.get(NFTA.TABLE_FLAGS);
  const udata = by.get(NFTA.TABLE_USERDATA);
  const comment = udata ? tableComment(udata.value) : undefined;
  return ok({
    exists: true,
    dormant: (((flags && readBe32(flags)) ?? 0) & NFT.TABLE_F_DORMANT) !== 0,
    ...(comment === undefined ? {} : { comment }),
  });
}

/** A whole table as dumped: its head, its objects, and the generation the dump was consistent at. */
interface Dumped {
  readonly head: Omit<TableProbe, 'generation'>;
  readonly decoded: DecodedTable;
  readonly generation?: number;
}

/**
 * Dumps every chain, rule, set and element of `inet <table>` (`NLM_F_DUMP`
 * requests; a dump the kernel marks interrupted is retried), between two
 * generation reads: when they agree, the dump is one consistent state.
 */
export async function dumpTable(
  connection: NetlinkConnection,
  table: string,
  pause: () => Promise<void> = yieldToEventLoop,
): Promise<Result<Dumped, BackendError>> {
  // The event loop runs between the datagrams of a dump and between slices
  // of decoding: probes keep their timing.
  const pace = pacer(pause);
  const dump = async (msg: number, attrs: readonly AttrSpec[], what: string) =>
    (
      await connection.requestPaced(
        msgType(msg),
        nfgen(NFPROTO_INET, encodeAttributes(attrs)),
        'dump',
        pace,
        what,
      )
    ).mapErr((e) => fromNetlink(e, `dump of table inet ${table}`));
  const decodeInSlices = (messages: readonly NetlinkMessage[], into: DecodedTable) =>
    runPaced(decodeTableSteps(messages, table, into), pace);
  const objectDumps = [
    [NFT.MSG_GETCHAIN, NFTA.CHAIN_TABLE, 'GETCHAIN'],
    [NFT.MSG_GETRULE, NFTA.RULE_TABLE, 'GETRULE'],
    [NFT.MSG_GETSET, NFTA.SET_TABLE, 'GETSET'],
  ] as const;
  let last: Result<Dumped, BackendError> = err(backendError('internal', 'no dump'));
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = readGeneration(connection);
    if (before.isErr()) return err(before.error);
    const head = readTable(connection, table);
    if (head.isErr()) return err(head.error);
    const decoded: DecodedTable = { chains: new Map(), sets: new Map() };
    let failed: BackendError | undefined;
    if (head.value.exists) {
      // Chains before rules before sets: each decodes into what the one before made.
      for (const [msg, attr, what] of objectDumps) {
        const objects = await dump(msg, [attrString(attr, table)], what);
        if (objects.isErr()) {
          failed = objects.error;
          break;
        }
        await decodeInSlices(objects.value, decoded);
      }
      for (const [set, declared] of failed ? [] : decoded.sets) {
        // A dynamic set's elements are the kernel's own (affinity): not read.
        if (isDynamicSet(declared)) continue;
        const elements = await dump(
          NFT.MSG_GETSETELEM,
          [attrString(NFT.SET_ELEM_LIST_TABLE, table), attrString(NFT.SET_ELEM_LIST_SET, set)],
          `GETSETELEM ${set}`,
        );
        if (elements.isErr()) {
          failed = elements.error;
          break;
        }
        await decodeInSlices(elements.value, decoded);
      }
      if (failed) {
        last = err(failed);
        if (/interrupted/.test(failed.message)) continue;
        return last;
      }
    }
    const after = readGeneration(connection);
    if (after.isErr()) return err(after.error);
    last = ok({
      head: head.value,
      decoded,
      ...(after.value === before.value ? { generation: before.value } : {}),
    });
    if (after.value === before.value) return last;
  }
  return last;
}

/**
 * The snapshot the table would have with exactly `expected` (a full ruleset),
 * from the very batch the transport would send: both sides of a comparison
 * come through the same decoder. As steps: it yields while encoding and
 * decoding (see `runInSlices`).
 */
export function* expectedSnapshotSteps(
  table: string,
  expected: readonly NftCommand[],
): Steps<Result<TableSnapshot, BackendError>> {
  const batch = yield* encodeBatchSteps(table, expected);
  if (batch.isErr()) return err(batch.error);
  const messages = decodeMessages(batch.value.bytes);
  if (messages.isErr()) return err(backendError('internal', messages.error.message));
  let comment: string | undefined;
  for (const c of expected) if (c.object === 'table' && c.verb === 'add') comment = c.comment;
  const decoded = yield* decodeTableSteps(messages.value, table, {
    chains: new Map(),
    sets: new Map(),
  });
  return ok(
    yield* snapshotOfSteps(decoded, {
      exists: true,
      dormant: false,
      ...(comment === undefined ? {} : { comment }),
    }),
  );
}

/**
 * The netlink transport for `inet <table>` in `netns`. Fails with
 * `unavailable` when koffi/libc, the namespace or the socket is unusable.
 * `write` fails with `unsupported` when the commands fall outside the
 * encoder's dialect or the batch is too large for one datagram (nothing was
 * sent: the fallback transport can take them). `read` and `compare` dump
 * the table (chains, rules, sets, then the elements of each set: one request
 * each) and decode lbkit's layout, without nft.
 */
export function createNetlinkTransport(
  options: NetlinkTransportOptions = {},
): Result<NftTransport, BackendError> {
  const table = options.table ?? DEFAULT_TABLE;
  let socket = options.socket;
  if (!socket) {
    const opened = openNetlinkSocket({
      protocol: SOCKET.NETLINK_NETFILTER,
      receiveBufferBytes: 1 << 20,
      receiveTimeoutMs: options.timeoutMs ?? 5000,
      ...(options.netns === undefined ? {} : { netns: options.netns }),
    });
    if (opened.isErr()) {
      return err(backendError('unavailable', `nf_tables netlink socket: ${opened.error.message}`));
    }
    socket = opened.value;
  }
  const connection = createNetlinkConnection(socket);
  /** The expected side of a comparison, per commands array (the backend keeps one per applied state). */
  const expectedSnapshots = new WeakMap<readonly NftCommand[], TableSnapshot>();
  /** One buffer for every batch (each is sent before the next is encoded). */
  const buffer = new NlWriter(64 * 1024);
  let closed = false;
  const forget = udpFlowForgetter(options.netns, options.conntrackCleaner);
  const closedError = async () => err(backendError('closed', 'netlink transport is closed'));

  /**
   * One operation on the socket at a time: a batch's replies must not be
   * read (and skipped) by another request, and the buffer is reused.
   */
  const serial = createSerialQueue((cause) =>
    backendError('internal', `netlink transport: ${String(cause)}`, { cause }),
  );
  const whenOpen = <T>(work: () => Promise<Result<T, BackendError>>) =>
    serial(() => (closed ? closedError() : work()));

  /** Encodes in slices (the event loop runs between them), sends, reads the generation. */
  const writeNow = async (
    commands: readonly NftCommand[],
  ): Promise<Result<WriteReport, BackendError>> => {
    if (commands.length === 0) return ok({ path: 'netlink', warnings: [] });
    const firstSeq = connection.nextSeq;
    const batch = await runInSlices(
      encodeBatchSteps(table, commands, { firstSeq, writer: buffer }),
    );
    if (batch.isErr()) return err(batch.error);
    if (closed) return closedError();
    connection.skip(batch.value.messages + 2);
    const sent = await sendBatch(socket!, batch.value);
    if (sent.isErr()) return err(sent.error);
    const generation = readGeneration(connection);
    return ok({
      path: 'netlink',
      warnings: [],
      ...(generation.isOk() ? { generation: generation.value } : {}),
    });
  };

  /** The expected side of a comparison: built once per commands array, in slices. */
  const expectedOf = async (
    expected: readonly NftCommand[],
  ): Promise<Result<TableSnapshot, BackendError>> => {
    const known = expectedSnapshots.get(expected);
    if (known) return ok(known);
    const built = await runInSlices(expectedSnapshotSteps(table, expected));
    if (built.isOk()) expectedSnapshots.set(expected, built.value);
    return built;
  };

  const compareNow = async (
    expected: readonly NftCommand[],
  ): Promise<Result<TableComparison, BackendError>> => {
    const want = await expectedOf(expected);
    if (want.isErr()) return err(want.error);
    const dumped = await dumpTable(connection, table);
    if (dumped.isErr()) return err(dumped.error);
    const { head, decoded, generation } = dumped.value;
    const have = head.exists ? await runInSlices(snapshotOfSteps(decoded, head)) : MISSING_TABLE;
    const differences = await runInSlices(
      diffSnapshotsSteps(want.value, have, { table, mayLinger: isSlotMapName }),
    );
    return ok(generation === undefined ? { differences } : { differences, generation });
  };

  const probeNow = async (): Promise<Result<TableProbe, BackendError>> => {
    const generation = readGeneration(connection);
    if (generation.isErr()) return err(generation.error);
    return readTable(connection, table).map((t) => ({ ...t, generation: generation.value }));
  };

  return ok({
    name: 'netlink',
    table,
    write: (commands) => whenOpen(() => writeNow(commands)),
    read: () =>
      whenOpen(async () =>
        (await dumpTable(connection, table)).map((d) => observeDecoded(d.decoded)),
      ),
    compare: (expected) => whenOpen(() => compareNow(expected)),
    probe: () => whenOpen(probeNow),
    forgetUdpFlows: forget,
    close() {
      if (closed) return;
      closed = true;
      connection.close();
    },
  });
}
