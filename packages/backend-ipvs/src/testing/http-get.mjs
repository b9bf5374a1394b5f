// Test helper run as a child process inside a client network namespace (VM tests):
//   node http-get.mjs <url> <count>
// Makes <count> GET requests, each on a new TCP connection, one after another,
// and prints each trimmed body on its own line ("error: ..." on failure).
// Plain JS: no tsx start-up cost in the VM (busybox wget segfaults, static build).
import http from 'node:http';

const [url, countText] = process.argv.slice(2);

const get = () =>
  new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(`error: ${e.message}`));
  });

for (let i = 0; i < Number(countText); i++) console.log(await get());
