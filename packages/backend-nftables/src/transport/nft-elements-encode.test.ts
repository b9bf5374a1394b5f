import { describe, expect, it } from 'vitest';
import { elementLayout, encodeConcat, encodeElementBatch } from './nft-elements-encode.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** nft --debug=netlink prints a key as host-order (little-endian) 32-bit words. */
const words = (b: Uint8Array): string =>
  Array.from({ length: b.length / 4 }, (_, i) =>
    new DataView(b.buffer, b.byteOffset + i * 4, 4)
      .getUint32(0, true)
      .toString(16)
      .padStart(8, '0'),
  ).join(' ');

describe('element key/data encoding (against `nft --debug=netlink`, nft 1.0.6)', () => {
  it('encodes each concatenation component into a padded 4-byte register', () => {
    const backends4 = elementLayout('backends4_tcp_37')!;
    // element 0a0200c0 00005000 00000102  : 0b0200c0 0000901f
    expect(words(encodeConcat(backends4.key, '192.0.2.10 . 80 . 258')._unsafeUnwrap())).toBe(
      '0a0200c0 00005000 00000102',
    );
    expect(words(encodeConcat(backends4.data as never, '192.0.2.11 . 8080')._unsafeUnwrap())).toBe(
      '0b0200c0 0000901f',
    );
    // element 0a0200c0 00000006 00005000 0c0200c0 00005000
    const flows4 = elementLayout('flows4')!;
    expect(
      words(encodeConcat(flows4.key, '192.0.2.10 . tcp . 80 . 192.0.2.12 . 80')._unsafeUnwrap()),
    ).toBe('0a0200c0 00000006 00005000 0c0200c0 00005000');
    // element 0a0200c0 00000011 00005000  : goto -> svc_web
    expect(elementLayout('services4')).toEqual({
      key: ['ipv4_addr', 'inet_proto', 'inet_service'],
      data: 'verdict',
    });
    // element b80d0120 00000000 00000000 01000000 00005000 00000003
    const backends6 = elementLayout('backends6_udp_0')!;
    expect(words(encodeConcat(backends6.key, '2001:db8::1 . 80 . 3')._unsafeUnwrap())).toBe(
      'b80d0120 00000000 00000000 01000000 00005000 00000003',
    );
  });

  it('refuses anything outside the rendered dialect (the caller falls back to nft)', () => {
    expect(elementLayout('services')).toBeUndefined();
    expect(elementLayout('other4')).toBeUndefined();
    expect(elementLayout('backends4_sctp_1')).toBeUndefined();
    const key = elementLayout('flows4')!.key;
    expect(
      encodeConcat(key, '192.0.2.10 . sctp . 80 . 192.0.2.12 . 80')._unsafeUnwrapErr().kind,
    ).toBe('unsupported');
    expect(encodeConcat(key, '192.0.2.10 . tcp . 80')._unsafeUnwrapErr().kind).toBe('unsupported');
    expect(encodeConcat(key, '2001:db8::1 . tcp . 80 . 192.0.2.12 . 80').isErr()).toBe(true);
    expect(encodeConcat(key, '192.0.2.10 . tcp . 65536 . 192.0.2.12 . 80').isErr()).toBe(true);
    const verdict = encodeElementBatch(
      'lbkit',
      [
        {
          verb: 'add',
          map: 'services4',
          elements: [{ map: 'services4', key: '192.0.2.10 . tcp . 80', value: 'accept' }],
        },
      ],
      1,
    );
    expect(verdict._unsafeUnwrapErr().kind).toBe('unsupported');
  });
});

describe('encodeElementBatch', () => {
  it('builds BATCH_BEGIN, one DELSETELEM / NEWSETELEM per op, BATCH_END, byte for byte', () => {
    const batch = encodeElementBatch(
      'lbkit',
      [
        {
          verb: 'delete',
          map: 'flows4',
          elements: [{ map: 'flows4', key: '192.0.2.10 . tcp . 80 . 192.0.2.12 . 80' }],
        },
        {
          verb: 'add',
          map: 'services4',
          elements: [{ map: 'services4', key: '192.0.2.10 . udp . 53', value: 'goto svc_dns' }],
        },
        { verb: 'add', map: 'flows6', elements: [] }, // empty ops send nothing
      ],
      100,
    )._unsafeUnwrap();
    expect(batch.beginSeq).toBe(100);
    expect(batch.messageSeqs).toEqual([101, 102]);
    const expected = [
      // NFNL_MSG_BATCH_BEGIN: len 20, type 0x10, NLM_F_REQUEST, seq 100, pid 0; nfgenmsg AF_UNSPEC v0 res_id be16 10
      '14000000 1000 0100 64000000 00000000',
      '00 00 000a',
      // NFT_MSG_DELSETELEM (0x0a0e), len 80, REQUEST|ACK, seq 101; nfgenmsg NFPROTO_INET v0 res_id 0
      '50000000 0e0a 0500 65000000 00000000',
      '01 00 0000',
      '0a00 0100 6c626b697400 0000', //         NFTA_SET_ELEM_LIST_TABLE "lbkit"
      '0b00 0200 666c6f77733400 00', //         NFTA_SET_ELEM_LIST_SET "flows4"
      '2400 0380', //                           NFTA_SET_ELEM_LIST_ELEMENTS (nested)
      '2000 0180', //                             NFTA_LIST_ELEM
      '1c00 0180', //                               NFTA_SET_ELEM_KEY
      '1800 0100', //                                 NFTA_DATA_VALUE (20 bytes):
      'c000020a 06000000 00500000 c000020c 00500000', // 192.0.2.10 . tcp . 80 . 192.0.2.12 . 80
      // NFT_MSG_NEWSETELEM (0x0a0c), len 104, REQUEST|ACK|CREATE, seq 102
      '68000000 0c0a 0504 66000000 00000000',
      '01 00 0000',
      '0a00 0100 6c626b697400 0000', //         table "lbkit"
      '0e00 0200 736572766963657334 00 0000', // set "services4"
      '3800 0380 3400 0180', //                 ELEMENTS, LIST_ELEM
      '1400 0180 1000 0100', //                   KEY, DATA_VALUE (12 bytes):
      'c000020a 11000000 00350000', //              192.0.2.10 . udp . 53
      '1c00 0280 1800 0280', //                   NFTA_SET_ELEM_DATA, NFTA_DATA_VERDICT
      '0800 0100 fffffffc', //                      NFTA_VERDICT_CODE be32 NFT_GOTO (-4)
      '0c00 0200 7376635f646e7300', //              NFTA_VERDICT_CHAIN "svc_dns"
      // NFNL_MSG_BATCH_END: type 0x11, seq 103
      '14000000 1100 0100 67000000 00000000',
      '00 00 000a',
    ]
      .join('')
      .replace(/ /g, '');
    expect(hex(batch.bytes)).toBe(expected);
  });
});
