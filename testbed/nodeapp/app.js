// A small Node.js service for the test-bed (a JIT runtime): GET / answers with a counter it
// keeps in its state directory.
const http = require('http');
const fs = require('fs');
const path = require('path');
const dir = process.env.STATE_DIRECTORY || '/var/lib/nodeapp';
const file = path.join(dir, 'count');
http.createServer((req, res) => {
  let n = 0;
  try { n = parseInt(fs.readFileSync(file, 'utf8'), 10) || 0; } catch (e) {}
  n += 1;
  fs.writeFileSync(file, String(n));
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end(`hello ${n}\n`);
}).listen(3000, '127.0.0.1');
