/**
 * `NftCommand`s as ONE nf_tables netlink batch: `NFNL_MSG_BATCH_BEGIN`, one
 * message per command (element commands may take several), `NFNL_MSG_BATCH_END`.
 * The kernel runs a batch as one transaction and aborts all of it on any
 * error. Every message is what nft 1.0.6 sends for the same command text
 * (flags, attribute order, set ids; checked byte for byte against nft in the
 * tests), except that only the last message asks for an acknowledgement: the
 * kernel reports every failing message anyway, and one ACK at the end tells
 * that the batch was processed without thousands of ACKs to read. Pure.
 * @module
 */

import type { BackendError } from '@lbkit/core';
import { ITEMS_PER_STEP, NLM, runAll, type Steps } from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import type { ChainDecl, NftCommand, RuleSpec } from '../render/commands.js';
import { ruleText } from '../render/print.js';
import { type AddressCache, encodeElementOpSteps } from './nft-element-encode.js';
import { encodeRuleExpressions } from './nft-rule-encode.js';
import { encodeSetAttributes } from './nft-set-encode.js';
import { NlWriter } from './nl-writer.js';
import { NFNL, NFPROTO_INET, NFT, NFT_USER, NFT_VALUE, NFTA } from './uapi.js';

/** An encoded batch: the bytes to send and what to wait for. */
export interface NftBatch {
  readonly bytes: Uint8Array;
  /** Sequence number of `NFNL_MSG_BATCH_BEGIN` (errors about the whole batch carry it). */
  readonly beginSeq: number;
  /** Sequence number of the last command message (the one that asks for an ACK); `undefined` when empty. */
  readonly lastSeq: number | undefined;
  /** Number of command messages (without begin/end). */
  readonly messages: number;
}

/** Options of `encodeBatch`. */
export interface EncodeBatchOptions {
  /** Sequence number of the batch begin; messages follow it. Default 0. */
  readonly firstSeq?: number;
  /** Set `NLM_F_ACK` on the last command message. Default true (false: exactly nft's flags). */
  readonly ackLast?: boolean;
  /**
   * A writer to fill (emptied first), so that consecutive batches reuse one
   * buffer; the returned bytes are then valid until its next use. Default: a new one.
   */
  readonly writer?: NlWriter;
}

const HOOKS: Readonly<Record<NonNullable<ChainDecl['hook']>['hook'], number>> = {
  prerouting: NFT_VALUE.HOOK_PRE_ROUTING,
  forward: NFT_VALUE.HOOK_FORWARD,
  output: NFT_VALUE.HOOK_LOCAL_OUT,
  postrouting: NFT_VALUE.HOOK_POST_ROUTING,
};
const PRIORITIES = { dstnat: -100, srcnat: 100 } as const;

const msgType = (msg: number): number => (NFNL.SUBSYS_NFTABLES << 8) | msg;

/** A table's user data holding `comment` (libnftnl TLV: type, length, NUL-terminated text). */
export function tableUserdata(comment: string): Uint8Array {
  const text = new TextEncoder().encode(comment);
  const out = new Uint8Array(text.length + 3);
  out[0] = NFT_USER.UDATA_TABLE_COMMENT;
  out[1] = text.length + 1;
  out.set(text, 2);
  return out;
}
const CREATE = NLM.F_REQUEST | NLM.F_CREATE;

function encodeChain(w: NlWriter, table: string, chain: ChainDecl): void {
  w.str(NFTA.CHAIN_TABLE, table);
  w.str(NFTA.CHAIN_NAME, chain.name);
  if (!chain.hook) return;
  const { type, hook, priority } = chain.hook;
  w.str(NFTA.CHAIN_TYPE, type);
  w.be32(NFTA.CHAIN_POLICY, NFT_VALUE.NF_ACCEPT);
  const nest = w.open(NFTA.CHAIN_HOOK);
  w.be32(NFTA.HOOK_HOOKNUM, HOOKS[hook]);
  w.be32(NFTA.HOOK_PRIORITY, typeof priority === 'number' ? priority : PRIORITIES[priority]);
  w.close(nest);
}

/**
 * The batch size, estimated a little high (measured: ~340 bytes per rule, ~41
 * per element, ~95 per other command), so a large batch is written without
 * regrowing and without a buffer far larger than it.
 */
export function estimateBatchBytes(commands: readonly NftCommand[]): number {
  let bytes = 4096;
  for (const c of commands) {
    if (c.object === 'element') bytes += 128 + c.elements.length * 48;
    else bytes += c.object === 'rule' ? 400 : 128;
  }
  return bytes;
}

/**
 * Encodes `commands` on table `inet <table>` as one batch. Fails with
 * `unsupported` when an element does not fit its map's layout or names an
 * unknown map (the caller then sends the same commands as nft text).
 */
export function encodeBatch(
  table: string,
  commands: readonly NftCommand[],
  options: EncodeBatchOptions = {},
): Result<NftBatch, BackendError> {
  return runAll(encodeBatchSteps(table, commands, options));
}

/** `encodeBatch` as steps (see `runInSlices`): it yields every `ITEMS_PER_STEP` commands. */
export function* encodeBatchSteps(
  table: string,
  commands: readonly NftCommand[],
  options: EncodeBatchOptions = {},
): Steps<Result<NftBatch, BackendError>> {
  const w = options.writer ?? new NlWriter(estimateBatchBytes(commands));
  w.truncate(0);
  w.reserveTotal(estimateBatchBytes(commands));
  let seq = options.firstSeq ?? 0;
  const beginSeq = seq++;
  w.end(w.begin(NFNL.MSG_BATCH_BEGIN, NLM.F_REQUEST, beginSeq, 0, NFNL.SUBSYS_NFTABLES));
  const setIds = new Map<string, number>();
  const addresses: AddressCache = new Map();
  let messages = 0;
  // Services share a handful of rule shapes: encode each distinct rule (its
  // text names everything it refers to; plus the set id it carries) once.
  const encodedRules = new Map<string, Uint8Array>();
  const expressions = (rule: RuleSpec): Uint8Array => {
    const map =
      rule.kind === 'flow' || rule.kind === 'sticky' || rule.kind === 'remember'
        ? rule.set
        : rule.kind === 'empty' || rule.kind === 'count' || rule.kind === 'dnatTo'
          ? ''
          : rule.map;
    const key = `${setIds.get(map) ?? 0} ${ruleText(rule)}`;
    let bytes = encodedRules.get(key);
    if (!bytes) {
      const scratch = new NlWriter(1024);
      const list = scratch.open(NFTA.RULE_EXPRESSIONS);
      encodeRuleExpressions(scratch, rule, setIds);
      scratch.close(list);
      bytes = scratch.bytesWritten();
      encodedRules.set(key, bytes);
    }
    return bytes;
  };
  const nextSeq = (): number => {
    messages++;
    return seq++;
  };
  const message = (msg: number, flags: number, body: () => void): void => {
    const start = w.begin(msgType(msg), flags, nextSeq(), NFPROTO_INET, 0);
    body();
    w.end(start);
  };
  let done = 0;
  for (const c of commands) {
    if (++done % ITEMS_PER_STEP === 0) yield;
    switch (c.object) {
      case 'table':
        message(c.verb === 'add' ? NFT.MSG_NEWTABLE : NFT.MSG_DELTABLE, NLM.F_REQUEST, () => {
          w.str(NFTA.TABLE_NAME, table);
          if (c.verb === 'add') {
            w.be32(NFTA.TABLE_FLAGS, 0);
            if (c.comment !== undefined) w.bytes(NFTA.TABLE_USERDATA, tableUserdata(c.comment));
          }
        });
        break;
      case 'set': {
        if (c.verb === 'delete') {
          message(NFT.MSG_DELSET, NLM.F_REQUEST, () => {
            w.str(NFTA.SET_TABLE, table);
            w.str(NFTA.SET_NAME, c.name);
          });
          break;
        }
        const id = setIds.get(c.set.name) ?? setIds.size + 1;
        setIds.set(c.set.name, id);
        message(NFT.MSG_NEWSET, CREATE, () => encodeSetAttributes(w, table, c.set, id));
        break;
      }
      case 'chain':
        if (c.verb === 'add')
          message(NFT.MSG_NEWCHAIN, CREATE, () => encodeChain(w, table, c.chain));
        else if (c.verb === 'delete') {
          message(NFT.MSG_DELCHAIN, NLM.F_REQUEST, () => {
            w.str(NFTA.CHAIN_TABLE, table);
            w.str(NFTA.CHAIN_NAME, c.name);
          });
        } else {
          // flush chain = delete every rule of the chain
          message(NFT.MSG_DELRULE, NLM.F_REQUEST, () => {
            w.str(NFTA.RULE_TABLE, table);
            w.str(NFTA.RULE_CHAIN, c.name);
          });
        }
        break;
      case 'rule':
        message(NFT.MSG_NEWRULE, CREATE | NLM.F_APPEND, () => {
          w.str(NFTA.RULE_TABLE, table);
          w.str(NFTA.RULE_CHAIN, c.chain);
          w.raw(expressions(c.rule));
        });
        break;
      case 'element': {
        const setId = setIds.get(c.map);
        const done = yield* encodeElementOpSteps(w, c, { table, setId, addresses, nextSeq });
        if (done.isErr()) return err(done.error);
        break;
      }
    }
  }
  const lastSeq = messages > 0 ? seq - 1 : undefined;
  if (lastSeq !== undefined && (options.ackLast ?? true)) w.flagLastMessage(NLM.F_ACK);
  w.end(w.begin(NFNL.MSG_BATCH_END, NLM.F_REQUEST, seq, 0, NFNL.SUBSYS_NFTABLES));
  return ok({ bytes: w.bytesWritten(), beginSeq, lastSeq, messages });
}
