import { decodeAttributes, decodeGenl } from '@lbkit/netlink';
import { describe, expect, it } from 'vitest';
import { createIpvsClient } from '../client/netlink-client.js';
import { ensureSyncDaemons, stopSyncDaemons } from '../client/sync-daemons.js';
import { createFakeIpvs } from '../testing/fake-ipvs.js';
import { createFakeNetlinkKernel } from '../testing/fake-netlink-kernel.js';
import { IPVS_CMD, IPVS_CMD_ATTR, IPVS_DAEMON_ATTR } from '../uapi.js';
import { decodeDaemonReply, decodeRequest, encodeDaemonReply, encodeRequest } from './request.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('sync daemon codec (IPVS_CMD_ATTR_DAEMON)', () => {
  it('NEW_DAEMON carries state, interface (NUL-terminated) and sync id, byte for byte', () => {
    const payload = encodeRequest({
      cmd: IPVS_CMD.NEW_DAEMON,
      daemon: { state: 'backup', interface: 'eth2', syncId: 7 },
    })._unsafeUnwrap();
    const genl = decodeGenl(payload)._unsafeUnwrap();
    expect(genl.cmd).toBe(IPVS_CMD.NEW_DAEMON);
    const [top] = decodeAttributes(genl.attributes)._unsafeUnwrap();
    expect(top!.type).toBe(IPVS_CMD_ATTR.DAEMON);
    // STATE u32 2 | MCAST_IFN "eth2\0" (padded) | SYNC_ID u32 7
    expect(hex(top!.value)).toBe(
      [
        '0800' + '0100' + '02000000',
        '0900' + '0200' + '6574683200' + '000000',
        '0800' + '0300' + '07000000',
      ].join(''),
    );
    const inner = decodeAttributes(top!.value)._unsafeUnwrap();
    expect(inner.map((a) => a.type)).toEqual([
      IPVS_DAEMON_ATTR.STATE,
      IPVS_DAEMON_ATTR.MCAST_IFN,
      IPVS_DAEMON_ATTR.SYNC_ID,
    ]);
    expect(decodeRequest(payload)._unsafeUnwrap().daemon).toEqual({
      state: 'backup',
      interface: 'eth2',
      syncId: 7,
    });
  });

  it('DEL_DAEMON sends the state alone; dump entries round-trip', () => {
    const del = encodeRequest({
      cmd: IPVS_CMD.DEL_DAEMON,
      daemon: { state: 'master', interface: '', syncId: 0 },
    })._unsafeUnwrap();
    const [top] = decodeAttributes(decodeGenl(del)._unsafeUnwrap().attributes)._unsafeUnwrap();
    expect(
      decodeAttributes(top!.value)
        ._unsafeUnwrap()
        .map((a) => a.type),
    ).toEqual([IPVS_DAEMON_ATTR.STATE]);
    const entry = { state: 'master', interface: 'sync0', syncId: 255, port: 8848, ttl: 1 } as const;
    expect(decodeDaemonReply(encodeDaemonReply(entry))._unsafeUnwrap()).toEqual(entry);
  });

  it('refuses what the kernel would: long or odd interface names, ids out of 0..255', () => {
    for (const daemon of [
      { state: 'master', interface: 'a-very-long-name0', syncId: 0 },
      { state: 'master', interface: 'eth0; x', syncId: 0 },
      { state: 'master', interface: '', syncId: 0 },
      { state: 'master', interface: 'eth2', syncId: 256 },
      { state: 'both', interface: 'eth2', syncId: 1 },
    ] as const) {
      const r = encodeRequest({ cmd: IPVS_CMD.NEW_DAEMON, daemon: daemon as never });
      expect(r._unsafeUnwrapErr().kind).toBe('invalid');
    }
  });
});

describe('sync daemons through the netlink client (fake kernel)', () => {
  it('start, dump, exists, ensure (idempotent, restarts on another id), stop', async () => {
    const fake = createFakeIpvs();
    const client = (
      await createIpvsClient({ transport: createFakeNetlinkKernel(fake) })
    )._unsafeUnwrap();
    expect((await client.syncDaemons())._unsafeUnwrap()).toEqual([]);
    expect(
      (await client.startSyncDaemon({ state: 'master', interface: 'eth2', syncId: 1 })).isOk(),
    ).toBe(true);
    const again = await client.startSyncDaemon({ state: 'master', interface: 'eth2', syncId: 1 });
    expect(again._unsafeUnwrapErr().kind).toBe('exists');
    expect(
      (await ensureSyncDaemons(client, { interface: 'eth2', syncId: 1 }))._unsafeUnwrap(),
    ).toEqual(['backup']);
    expect(
      (await ensureSyncDaemons(client, { interface: 'eth2', syncId: 1 }))._unsafeUnwrap(),
    ).toEqual([]);
    expect(
      (await ensureSyncDaemons(client, { interface: 'eth2', syncId: 2 }))._unsafeUnwrap(),
    ).toEqual(['master', 'backup']);
    const running = (await client.syncDaemons())._unsafeUnwrap();
    expect(running.map((d) => `${d.state} ${d.interface} ${d.syncId}`).sort()).toEqual([
      'backup eth2 2',
      'master eth2 2',
    ]);
    expect((await stopSyncDaemons(client, ['master', 'backup', 'master'])).isOk()).toBe(true);
    expect((await client.syncDaemons())._unsafeUnwrap()).toEqual([]);
    expect((await client.stopSyncDaemon('backup'))._unsafeUnwrapErr().kind).toBe('not-found');
  });
});
