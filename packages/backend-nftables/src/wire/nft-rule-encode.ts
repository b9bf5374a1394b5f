/**
 * The expressions of each rule template (`RuleSpec`), exactly as nft 1.0.6
 * linearizes the same rule text: the same expressions, in the same order, in
 * the same registers (so `nft list` shows our rules as if nft had written
 * them; checked byte for byte against nft's own batches in the tests). Pure.
 *
 * Registers: nft places a concatenation in consecutive 32-bit registers from
 * the start; 32-bit slot `i` is named `NFT_REG_1 + i/4` when it starts a
 * 128-bit register and `NFT_REG32_00 + i` otherwise (`reg()` below).
 * @module
 */
import { type IpFamily, type Protocol, parseAddress } from '@lbkit/core';
import type { RuleSpec } from '../render/commands.js';
import * as x from './nft-expr-encode.js';
import type { NlWriter } from './nl-writer.js';
import { IPPROTO, NFT_VALUE as V } from './uapi.js';

/** Register name of 32-bit slot `slot` of a concatenation (nft's numbering). */
export const reg = (slot: number): number => (slot % 4 === 0 ? 1 + slot / 4 : 8 + slot);

/**
 * Register nft 1.0.6 gives the `ip saddr` / `ip6 saddr` that feeds `jhash`
 * inside a dnat concatenation (NFT_REG32_07 / NFT_REG32_10).
 */
const JHASH_SOURCE_REG: Readonly<Record<IpFamily, number>> = { 4: 15, 6: 18 };

/** Per family: address width in 32-bit slots, header offsets, nfproto, ct keys. */
const FAMILY = {
  4: {
    slots: 1,
    daddr: 16,
    saddr: 12,
    len: 4,
    nfproto: V.NFPROTO_IPV4,
    ctDst: V.CT_DST_IP,
    ctSrc: V.CT_SRC_IP,
  },
  6: {
    slots: 4,
    daddr: 24,
    saddr: 8,
    len: 16,
    nfproto: V.NFPROTO_IPV6,
    ctDst: V.CT_DST_IP6,
    ctSrc: V.CT_SRC_IP6,
  },
} as const;

const NET = V.PAYLOAD_NETWORK_HEADER;
const TRANSPORT = V.PAYLOAD_TRANSPORT_HEADER;
/** Destination port: 2 bytes at transport header + 2 (tcp, udp, `th`). */
const DPORT_OFFSET = 2;

/** `meta l4proto <p>` */
const matchL4proto = (w: NlWriter, p: Protocol): void => {
  x.meta(w, V.META_L4PROTO, 1);
  x.cmpEqByte(w, 1, IPPROTO[p]);
};
/** The implicit `meta nfproto ipv4|ipv6` nft adds before `ip|ip6 ...` in an inet table. */
const matchNfproto = (w: NlWriter, family: IpFamily): void => {
  x.meta(w, V.META_NFPROTO, 1);
  x.cmpEqByte(w, 1, FAMILY[family].nfproto);
};

/** Set ids of sets declared earlier in the same batch (lookups name them too). */
export type SetIds = ReadonlyMap<string, number>;

/** Writes the expressions of `rule` (the content of `NFTA_RULE_EXPRESSIONS`). */
export function encodeRuleExpressions(w: NlWriter, rule: RuleSpec, setIds: SetIds): void {
  switch (rule.kind) {
    case 'dispatch': {
      // ip daddr . meta l4proto . th dport vmap @services<f>
      const f = FAMILY[rule.family];
      matchNfproto(w, rule.family);
      x.payload(w, reg(0), NET, f.daddr, f.len);
      x.meta(w, V.META_L4PROTO, reg(f.slots));
      x.payload(w, reg(f.slots + 1), TRANSPORT, DPORT_OFFSET, 2);
      x.lookup(w, reg(0), 0, rule.map, setIds.get(rule.map));
      return;
    }
    case 'flow': {
      // ct original <ip> daddr . meta l4proto . ct original proto-dst . <dst> @flows<f>
      const f = FAMILY[rule.family];
      const dir = V.CT_DIR_ORIGINAL;
      matchL4proto(w, rule.protocol);
      if (rule.match === 'translated') matchNfproto(w, rule.family);
      x.ct(w, f.ctDst, reg(0), dir);
      x.meta(w, V.META_L4PROTO, reg(f.slots));
      x.ct(w, V.CT_PROTO_DST, reg(f.slots + 1), dir);
      if (rule.match === 'translated') {
        x.payload(w, reg(f.slots + 2), NET, f.daddr, f.len);
        x.payload(w, reg(2 * f.slots + 2), TRANSPORT, DPORT_OFFSET, 2);
      } else {
        x.ct(w, f.ctSrc, reg(f.slots + 2), V.CT_DIR_REPLY);
        x.ct(w, V.CT_PROTO_SRC, reg(2 * f.slots + 2), V.CT_DIR_REPLY);
      }
      x.lookup(w, reg(0), undefined, rule.set, setIds.get(rule.set));
      if (rule.then === 'masquerade') x.masquerade(w);
      else if (rule.then === 'none') return;
      else if ('snat' in rule.then) {
        // snat <ip> to <address>: the address as an immediate in reg 1, then nat.
        x.immediateBytes(w, 1, parseAddress(rule.then.snat)!.bytes);
        x.snat(w, f.nfproto, 1);
      } else {
        x.immediateU32(w, 1, rule.then.mark);
        x.metaSet(w, V.META_MARK, 1);
      }
      return;
    }
    case 'dnat': {
      // meta l4proto <p> [counter] dnat <ip> to <ip> daddr . <p> dport . <selector> map @<map>
      const f = FAMILY[rule.family];
      matchL4proto(w, rule.protocol);
      if (rule.counter) x.counter(w);
      matchNfproto(w, rule.family);
      x.payload(w, reg(0), NET, f.daddr, f.len);
      x.payload(w, reg(f.slots), TRANSPORT, DPORT_OFFSET, 2);
      const selectorReg = reg(f.slots + 1);
      const s = rule.selector;
      if (s.kind === 'numgen') {
        const type = s.mode === 'inc' ? V.NG_INCREMENTAL : V.NG_RANDOM;
        x.numgen(w, selectorReg, s.modulus, type);
      } else {
        const source = JHASH_SOURCE_REG[rule.family];
        x.payload(w, source, NET, f.saddr, f.len);
        x.jhash(w, source, selectorReg, f.len, s.modulus, s.seed);
      }
      x.lookup(w, reg(0), reg(0), rule.map, setIds.get(rule.map));
      x.dnat(w, f.nfproto, reg(0), reg(f.slots));
      return;
    }
    case 'empty':
      if (rule.protocol === 'tcp') {
        matchL4proto(w, 'tcp');
        x.reject(w, V.REJECT_TCP_RST, 0);
      } else x.reject(w, V.REJECT_ICMPX_UNREACH, V.ICMPX_PORT_UNREACH);
      return;
    case 'count':
      x.counter(w);
      return;
    case 'sticky': {
      // <ip> saddr @<set> goto <chain>
      const f = FAMILY[rule.family];
      matchNfproto(w, rule.family);
      x.payload(w, 1, NET, f.saddr, f.len);
      x.lookup(w, 1, undefined, rule.set, setIds.get(rule.set));
      x.immediateGoto(w, rule.chain);
      return;
    }
    case 'pick': {
      // <selector> vmap @<map>
      const s = rule.selector;
      if (s.kind === 'numgen') {
        x.numgen(w, 1, s.modulus, s.mode === 'inc' ? V.NG_INCREMENTAL : V.NG_RANDOM);
      } else {
        const f = FAMILY[rule.family];
        matchNfproto(w, rule.family);
        x.payload(w, 2, NET, f.saddr, f.len);
        x.jhash(w, 2, 1, f.len, s.modulus, s.seed);
      }
      x.lookup(w, 1, V.REG_VERDICT, rule.map, setIds.get(rule.map));
      return;
    }
    case 'remember': {
      // update @<set> { <ip> saddr }
      const f = FAMILY[rule.family];
      matchNfproto(w, rule.family);
      x.payload(w, 1, NET, f.saddr, f.len);
      x.dynsetUpdate(w, 1, rule.set, setIds.get(rule.set));
      return;
    }
    case 'dnatTo': {
      // meta l4proto <p> dnat <ip> to <address>:<port>
      const f = FAMILY[rule.family];
      matchL4proto(w, rule.protocol);
      x.immediateBytes(w, 1, rule.address.bytes);
      x.immediateBytes(w, 2, Uint8Array.of(rule.port >> 8, rule.port & 0xff));
      x.dnatFixed(w, f.nfproto, 1, 2);
      return;
    }
  }
}
