// Test helper run as a child process inside a client network namespace (VM tests):
//   node dns-query.mjs <server> <name> <count> <udp|tcp>
// Sends <count> TXT queries, one new socket each, and prints each answer's first
// TXT string on its own line ("error: ..." when a query fails). Plain JS: no tsx
// start-up cost in the VM.
import dgram from 'node:dgram';
import net from 'node:net';

const [server, name, countText, proto] = process.argv.slice(2);
const count = Number(countText);

function query(id) {
  const labels = name.split('.').filter(Boolean);
  const parts = [Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, 'ascii'));
  parts.push(Buffer.from([0, 0, 16, 0, 1]));
  return Buffer.concat(parts);
}

function firstTxt(msg) {
  const an = msg.readUInt16BE(6);
  if (an === 0) return `error: rcode ${msg[3] & 0xf}, no answer`;
  let at = 12;
  while (msg[at] !== 0) at += msg[at] + 1;
  at += 5;
  at += (msg[at] & 0xc0) === 0xc0 ? 2 : 0;
  at += 10;
  const len = msg[at];
  return msg.subarray(at + 1, at + 1 + len).toString('utf8');
}

// A query that times out closes its socket: nothing may keep the process alive.
const withTimeout = (p, close) => {
  let timer;
  return Promise.race([
    p,
    new Promise((_, reject) => {
      timer = setTimeout(() => {
        close();
        reject(new Error('timeout'));
      }, 2000);
    }),
  ]).finally(() => clearTimeout(timer));
};

function udp(id) {
  const s = dgram.createSocket(server.includes(':') ? 'udp6' : 'udp4');
  const close = () => {
    try {
      s.close();
    } catch {
      // already closed
    }
  };
  return withTimeout(
    new Promise((resolve, reject) => {
      s.on('message', (m) => {
        close();
        resolve(firstTxt(m));
      });
      s.on('error', (e) => {
        close();
        reject(e);
      });
      s.send(query(id), 53, server);
    }),
    close,
  );
}

function tcp(id) {
  let s;
  return withTimeout(
    new Promise((resolve, reject) => {
      const q = query(id);
      s = net.connect(53, server, () =>
        s.end(Buffer.concat([Buffer.from([q.length >> 8, q.length & 0xff]), q])),
      );
      let buf = Buffer.alloc(0);
      s.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          s.destroy();
          resolve(firstTxt(buf.subarray(2)));
        }
      });
      s.on('error', reject);
    }),
    () => s.destroy(),
  );
}

for (let i = 0; i < count; i++) {
  try {
    console.log(await (proto === 'tcp' ? tcp(i + 1) : udp(i + 1)));
  } catch (e) {
    console.log(`error: ${e.message}`);
  }
}
