/**
 * A readable listing of an nf_tables netlink batch, one message per line and
 * one attribute per indented line, for byte-exact wire tests: two listings
 * diff line by line, so a mismatch names the message and attribute. Every
 * header field and payload byte is listed; padding bytes are not (the kernel
 * never reads them, and nft leaves stale bytes there). Pure.
 * @module
 */
import { NLM } from '@lbkit/netlink';
import { NFNL, NFT } from './uapi.js';

const MESSAGE_NAMES: Readonly<Record<number, string>> = {
  [NFT.MSG_NEWTABLE]: 'NEWTABLE',
  [NFT.MSG_DELTABLE]: 'DELTABLE',
  [NFT.MSG_NEWCHAIN]: 'NEWCHAIN',
  [NFT.MSG_DELCHAIN]: 'DELCHAIN',
  [NFT.MSG_NEWRULE]: 'NEWRULE',
  [NFT.MSG_DELRULE]: 'DELRULE',
  [NFT.MSG_NEWSET]: 'NEWSET',
  [NFT.MSG_DELSET]: 'DELSET',
  [NFT.MSG_NEWSETELEM]: 'NEWSETELEM',
  [NFT.MSG_DELSETELEM]: 'DELSETELEM',
};

const hex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** `"name"` for a NUL-terminated printable string, else hex. */
function payloadText(bytes: Uint8Array): string {
  const end = bytes.length - 1;
  if (end >= 1 && bytes[end] === 0) {
    let printable = true;
    for (let i = 0; i < end; i++) {
      const c = bytes[i]!;
      if (c < 0x20 || c > 0x7e) printable = false;
    }
    if (printable) return JSON.stringify(new TextDecoder().decode(bytes.subarray(0, end)));
  }
  return hex(bytes);
}

function describeAttributes(bytes: Uint8Array, depth: number, out: string[]): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 4 <= bytes.length; ) {
    const len = view.getUint16(at, true);
    const raw = view.getUint16(at + 2, true);
    if (len < 4 || at + len > bytes.length) {
      out.push(`${'  '.repeat(depth)}! bad attribute length ${len} at ${at}`);
      return;
    }
    const type = raw & ~NFT.NLA_F_NESTED; // bit 14 kept: nft numbers element nests past 16383
    const payload = bytes.subarray(at + 4, at + len);
    const pad = '  '.repeat(depth);
    if (raw & NFT.NLA_F_NESTED) {
      out.push(`${pad}${type} {`);
      describeAttributes(payload, depth + 1, out);
      out.push(`${pad}}`);
    } else out.push(`${pad}${type} ${payloadText(payload)}`);
    at += (len + 3) & ~3;
  }
}

/** Options of `describeBatch`. */
export interface DescribeOptions {
  /** Leave sequence numbers out (two encoders number messages differently). Default true. */
  readonly withoutSeq?: boolean;
}

/**
 * Lists every netlink message in `bytes`: `NEWRULE flags=0x0c01 family=1 res=0`
 * then its attributes (`type payload`, nests indented). Never throws: a
 * malformed length is listed as `! bad ...` and ends the listing.
 */
export function describeBatch(bytes: Uint8Array, options: DescribeOptions = {}): string {
  const withoutSeq = options.withoutSeq ?? true;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  for (let at = 0; at + NLM.HDRLEN <= bytes.length; ) {
    const len = view.getUint32(at, true);
    if (len < NLM.HDRLEN || at + len > bytes.length) {
      out.push(`! bad message length ${len} at ${at}`);
      break;
    }
    const type = view.getUint16(at + 4, true);
    const flags = view.getUint16(at + 6, true);
    const seq = view.getUint32(at + 8, true);
    const name =
      type === NFNL.MSG_BATCH_BEGIN
        ? 'BATCH_BEGIN'
        : type === NFNL.MSG_BATCH_END
          ? 'BATCH_END'
          : type >> 8 === NFNL.SUBSYS_NFTABLES
            ? (MESSAGE_NAMES[type & 0xff] ?? `NFT_${type & 0xff}`)
            : `TYPE_${type}`;
    const family = bytes[at + NLM.HDRLEN]!;
    const res = view.getUint16(at + NLM.HDRLEN + 2, false);
    const seqText = withoutSeq ? '' : ` seq=${seq}`;
    out.push(
      `${name} flags=0x${flags.toString(16).padStart(4, '0')}${seqText} family=${family} res=${res}`,
    );
    const body = bytes.subarray(at + NLM.HDRLEN + NFNL.GENMSG_LEN, at + len);
    describeAttributes(body, 1, out);
    at += (len + 3) & ~3;
  }
  return out.join('\n');
}
