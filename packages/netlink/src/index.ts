/**
 * @lbkit/netlink (internal, bundled into the backends): the one OS layer
 * both kernel backends share. libc through koffi, raw netlink sockets
 * (injectable behind `NetlinkSocket`), `setns(2)` into named namespaces,
 * errno classification, attribute and message codecs, generic netlink family
 * resolution, the abstract-socket lock, and long pure work run in slices
 * (the event loop running in between).
 * @module @lbkit/netlink
 */
export * from './abstract-lock.js';
export * from './attributes.js';
export * from './connection.js';
export * from './ctnetlink.js';
export * from './errors.js';
export * from './genl.js';
export * from './hexdump-diff.js';
export * from './libc.js';
export * from './message.js';
export * from './netns.js';
export * from './rtnetlink.js';
export * from './rtnetlink-link.js';
export * from './serial-queue.js';
export * from './slices.js';
export * from './socket.js';
export * from './uapi.js';
