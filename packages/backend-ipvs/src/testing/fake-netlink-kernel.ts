import {
  attrString,
  attrU16,
  attrU32,
  decodeAttributes,
  decodeGenl,
  decodeMessages,
  ERRNO,
  encodeAck,
  encodeAttributes,
  encodeGenl,
  encodeMessage,
  errnoError,
  GENL,
  indexAttributes,
  type NetlinkMessage,
  type NetlinkSocket,
  NLM,
  netlinkError,
  readString,
} from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import type { IpvsError } from '../client/client.js';
import {
  decodeRequest,
  encodeDaemonReply,
  encodeDestinationReply,
  encodeInfoReply,
  encodeServiceReply,
  type IpvsRequest,
} from '../codec/request.js';
import { IPVS_CMD, IPVS_GENL } from '../uapi.js';
import type { FakeIpvs } from './fake-ipvs.js';

/** Options for `createFakeNetlinkKernel`. */
export interface FakeNetlinkKernelOptions {
  /** Family id the fake nlctrl hands out for `IPVS`. Default 0x24. */
  readonly familyId?: number;
  /** Dump entries per datagram, to exercise multi-part dumps. Default 2. */
  readonly entriesPerDatagram?: number;
  /** Pretend the ip_vs module is not loaded (GETFAMILY answers ENOENT). */
  readonly noIpvs?: boolean;
}

/** A `NetlinkSocket` answering like the kernel, backed by a `FakeIpvs`. */
export interface FakeNetlinkKernel extends NetlinkSocket {
  /** Every datagram the client sent, raw (for byte-exact fixture tests). */
  readonly sent: readonly Uint8Array[];
  /** Datagrams queued for `receive()`. */
  readonly pending: number;
  /** Queues a raw datagram before the next replies (e.g. a stale reply). */
  inject(datagram: Uint8Array): void;
}

/**
 * An in-memory kernel behind the netlink codecs: requests are decoded with
 * `decodeRequest`, run on `fake.sync`, and answered with the encoders used for
 * dumps, so the whole client stack runs offline. nlctrl resolves `IPVS`.
 */
export function createFakeNetlinkKernel(
  fake: FakeIpvs,
  options: FakeNetlinkKernelOptions = {},
): FakeNetlinkKernel {
  const familyId = options.familyId ?? 0x24;
  const perDatagram = Math.max(1, options.entriesPerDatagram ?? 2);
  const sent: Uint8Array[] = [];
  const queue: Uint8Array[] = [];
  let open = true;

  const reply = (req: NetlinkMessage, type: number, payload: Uint8Array, flags = 0): Uint8Array =>
    encodeMessage({ type, flags, seq: req.seq, pid: 0, payload });
  const ack = (req: NetlinkMessage, errno: number): Uint8Array =>
    reply(req, NLM.ERROR, encodeAck({ errno, seq: req.seq }, req.type), NLM.F_CAPPED);
  const concat = (parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const answer = (
    req: NetlinkMessage,
    result: Result<Uint8Array[], IpvsError>,
    dump: boolean,
  ): boolean => {
    if (result.isErr()) {
      queue.push(ack(req, result.error.errno ?? ERRNO.EINVAL));
      return false;
    }
    const messages = result.value.map((p) => reply(req, familyId, p, dump ? NLM.F_MULTI : 0));
    for (let i = 0; i < messages.length; i += perDatagram) {
      queue.push(concat(messages.slice(i, i + perDatagram)));
    }
    if (dump) {
      queue.push(reply(req, NLM.DONE, new Uint8Array(4), NLM.F_MULTI));
    } else if ((req.flags & NLM.F_ACK) !== 0) {
      queue.push(ack(req, 0));
    }
    return true;
  };
  const all = <T>(
    items: T[],
    encode: (item: T) => Result<Uint8Array, IpvsError>,
  ): Result<Uint8Array[], IpvsError> => {
    const out: Uint8Array[] = [];
    for (const item of items) {
      const e = encode(item);
      if (e.isErr()) return err(e.error);
      out.push(e.value);
    }
    return ok(out);
  };

  const ctrl = (req: NetlinkMessage): void => {
    const name = decodeGenl(req.payload)
      .andThen((g) => decodeAttributes(g.attributes))
      .map((list) => indexAttributes(list).get(GENL.CTRL_ATTR_FAMILY_NAME))
      .map((a) => (a ? readString(a) : ''))
      .unwrapOr('');
    if (name !== IPVS_GENL.NAME || options.noIpvs) {
      queue.push(ack(req, ERRNO.ENOENT));
      return;
    }
    const payload = encodeGenl({
      cmd: 1, // CTRL_CMD_NEWFAMILY
      version: GENL.CTRL_VERSION,
      attributes: encodeAttributes([
        attrString(GENL.CTRL_ATTR_FAMILY_NAME, IPVS_GENL.NAME),
        attrU16(GENL.CTRL_ATTR_FAMILY_ID, familyId),
        attrU32(GENL.CTRL_ATTR_VERSION, IPVS_GENL.VERSION),
        attrU32(GENL.CTRL_ATTR_MAXATTR, 6),
      ]),
    });
    answer(req, ok([payload]), false);
  };

  const ipvs = (req: NetlinkMessage): boolean => {
    const decoded = decodeRequest(req.payload);
    if (decoded.isErr()) {
      queue.push(ack(req, ERRNO.EINVAL));
      return false;
    }
    const r = decoded.value;
    const s = fake.sync;
    const none = (x: Result<void, IpvsError>) => x.map((): Uint8Array[] => []);
    type Svc = NonNullable<IpvsRequest['service']>;
    type Dst = NonNullable<IpvsRequest['destination']>;
    const needService = (): Result<Svc, IpvsError> =>
      r.service ? ok(r.service) : err(errnoError(ERRNO.EINVAL));
    const needDest = (): Result<Dst, IpvsError> =>
      r.destination ? ok(r.destination) : err(errnoError(ERRNO.EINVAL));
    const needFull = <T extends { config?: unknown }>(
      x: T,
    ): Result<T & { config: NonNullable<T['config']> }, IpvsError> =>
      x.config ? ok(x as T & { config: NonNullable<T['config']> }) : err(errnoError(ERRNO.EINVAL));
    switch (r.cmd) {
      case IPVS_CMD.GET_INFO:
        return answer(
          req,
          s
            .info()
            .andThen((i) => encodeInfoReply(i))
            .map((p) => [p]),
          false,
        );
      case IPVS_CMD.GET_SERVICE:
        return answer(
          req,
          s.services().andThen((l) => all(l, encodeServiceReply)),
          true,
        );
      case IPVS_CMD.GET_DEST:
        return answer(
          req,
          needService()
            .andThen((sv) => s.destinations(sv.id))
            .andThen((l) => all(l, encodeDestinationReply)),
          true,
        );
      case IPVS_CMD.NEW_SERVICE:
      case IPVS_CMD.SET_SERVICE: {
        const op = r.cmd === IPVS_CMD.NEW_SERVICE ? s.createService : s.updateService;
        return answer(
          req,
          needService()
            .andThen(needFull)
            .andThen((sv) => none(op(sv.id, sv.config))),
          false,
        );
      }
      case IPVS_CMD.DEL_SERVICE:
        return answer(
          req,
          needService().andThen((sv) => none(s.removeService(sv.id))),
          false,
        );
      case IPVS_CMD.NEW_DEST:
      case IPVS_CMD.SET_DEST: {
        const op = r.cmd === IPVS_CMD.NEW_DEST ? s.createDestination : s.updateDestination;
        return answer(
          req,
          needService().andThen((sv) =>
            needDest()
              .andThen(needFull)
              .andThen((d) => none(op(sv.id, d.id, d.config))),
          ),
          false,
        );
      }
      case IPVS_CMD.DEL_DEST:
        return answer(
          req,
          needService().andThen((sv) =>
            needDest().andThen((d) => none(s.removeDestination(sv.id, d.id))),
          ),
          false,
        );
      case IPVS_CMD.FLUSH:
        return answer(req, none(s.flush()), false);
      case IPVS_CMD.GET_DAEMON:
        return answer(
          req,
          s.syncDaemons().map((l) => l.map(encodeDaemonReply)),
          true,
        );
      case IPVS_CMD.NEW_DAEMON:
        return answer(
          req,
          r.daemon ? none(s.startSyncDaemon(r.daemon)) : err(errnoError(ERRNO.EINVAL)),
          false,
        );
      case IPVS_CMD.DEL_DAEMON:
        return answer(
          req,
          r.daemon ? none(s.stopSyncDaemon(r.daemon.state)) : err(errnoError(ERRNO.EINVAL)),
          false,
        );
      default:
        queue.push(ack(req, ERRNO.EOPNOTSUPP));
        return false;
    }
  };

  return {
    portId: 4242,
    sent,
    get pending() {
      return queue.length;
    },
    inject: (datagram) => {
      queue.push(datagram);
    },
    send(datagram) {
      if (!open) return err(netlinkError('closed', 'fake kernel closed'));
      sent.push(datagram.slice());
      const messages = decodeMessages(datagram);
      if (messages.isErr()) return err(messages.error);
      for (const m of messages.value) {
        if (m.type === GENL.ID_CTRL) ctrl(m);
        else if (m.type === familyId) ipvs(m);
        else queue.push(ack(m, ERRNO.ENOENT));
      }
      return ok(undefined);
    },
    receive() {
      if (!open) return err(netlinkError('closed', 'fake kernel closed'));
      const next = queue.shift();
      return next ? ok(next) : err(netlinkError('timeout', 'fake kernel has nothing to say'));
    },
    close() {
      open = false;
    },
  };
}
