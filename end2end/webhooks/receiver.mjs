// A webhook receiver for the browser tests, written as a customer would write one with
// Node's own crypto: it checks each POST's Standard Webhooks signature with the secret the
// test hands it (POST /_test/trust) and refuses one signed more than five minutes ago.
// GET /_test/received lists what arrived: { id, type, verified }. POSTs to /hooks/gate play a
// blocking webhook's receiver (a budget check) that denies every approved request it is asked
// about, in its reply.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.env.WEBHOOK_PORT || 3104);
let secret = null;
const received = [];

function verify(id, timestamp, body, header) {
  if (!secret || !secret.startsWith('whsec_')) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300;
  return fresh && header.split(' ').some((part) => {
    if (!part.startsWith('v1,')) return false;
    const got = Buffer.from(part.slice(3), 'base64');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (req.method === 'GET' && req.url === '/_test/health') {
      res.writeHead(200).end('ok');
    } else if (req.method === 'POST' && req.url === '/_test/trust') {
      secret = body.trim();
      res.writeHead(204).end();
    } else if (req.method === 'GET' && req.url === '/_test/received') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
    } else if (req.method === 'POST') {
      const id = req.headers['webhook-id'] || '';
      const ok = verify(id, req.headers['webhook-timestamp'] || '', body, req.headers['webhook-signature'] || '');
      let type = '';
      try {
        type = JSON.parse(body).type;
      } catch {
        // not JSON: recorded as unverified below
      }
      received.push({ id, type, verified: ok });
      let asked = false;
      try {
        asked = JSON.parse(body).data?.extension?.awaitingAnswer === true;
      } catch {
        // not JSON
      }
      if (ok && req.url === '/hooks/gate' && asked) {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ decision: 'deny', reason: 'No budget left this quarter' }));
      } else {
        res.writeHead(ok ? 204 : 401).end();
      }
    } else {
      res.writeHead(404).end();
    }
  });
}).listen(port, '127.0.0.1');
