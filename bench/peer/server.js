'use strict';
// The benchmark's peer: GET /jobs/{id} as a Node.js user would write it by hand with the mainstream Redis client
// (ioredis, one connection, commands pipelined on it), one process. It checks the same bearer key, reads the same
// Redis hash with one HGETALL, and answers the same JSON as the gateway's status read, so the harness can compare
// the two side by side in one run. Not part of the gateway; never deployed.
//
// Environment: PEER_PORT, REDIS_PORT (127.0.0.1), API_KEYS (key=owner pairs, comma-separated), POLL_AFTER_MS.
const http = require('node:http');
const Redis = require('ioredis');

const port = Number(process.env.PEER_PORT);
const pollAfterMs = Number(process.env.POLL_AFTER_MS || '2000');
const owners = new Map();
for (const pair of (process.env.API_KEYS || '').split(',')) {
  const split = pair.lastIndexOf('=');
  if (split > 0) owners.set(pair.slice(0, split), pair.slice(split + 1));
}
const redis = new Redis({ host: '127.0.0.1', port: Number(process.env.REDIS_PORT) });
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const JOB_ID = /^job_[A-Za-z0-9_-]{22}$/;

function problem(res, status, title) {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title, status }));
}

function text(f, name) {
  const v = f[name];
  return v === undefined || v === '' ? null : v;
}

function job(f) {
  const error = text(f, 'error') === null ? null : JSON.parse(f.error);
  const progress = text(f, 'progress');
  const queuePosition = text(f, 'queue_position');
  return {
    id: f.id,
    status: f.status,
    provider: text(f, 'provider'),
    model: text(f, 'model'),
    queue_position: f.status === 'queued' && queuePosition !== null ? Number(queuePosition) : null,
    input: text(f, 'input') === null ? null : JSON.parse(f.input),
    output: text(f, 'output') === null ? null : JSON.parse(f.output),
    // Output storage is off in the benchmark: the gateway writes both as null, and so does the peer.
    output_storage: text(f, 'output_storage'),
    output_files: null,
    progress: progress === null ? null : Number(progress),
    error_message: error === null ? null : error.message,
    error,
    completed_via: text(f, 'completed_via'),
    delivery: {
      state: f.delivery_state || 'awaiting_webhook',
      webhooks_received: Number(f.webhooks_received || '0'),
      last_webhook_at: text(f, 'last_webhook_at'),
      last_upstream_check_at: text(f, 'last_upstream_check_at'),
      expected_at: text(f, 'expected_at'),
    },
    version: Number(f.version || '0'),
    created_at: text(f, 'created_at'),
    updated_at: text(f, 'updated_at'),
    completed_at: text(f, 'completed_at'),
    poll_after_ms: TERMINAL.has(f.status) ? null : pollAfterMs,
  };
}

http.createServer((req, res) => {
  const auth = req.headers.authorization || '';
  const owner = auth.startsWith('Bearer ') ? owners.get(auth.slice(7).trim()) : undefined;
  if (owner === undefined) {
    res.setHeader('www-authenticate', 'Bearer realm="job-gateway"');
    return problem(res, 401, 'Invalid API key');
  }
  const match = /^\/jobs\/([^/?]+)/.exec(req.url);
  if (req.method !== 'GET' || !match || !JOB_ID.test(match[1])) return problem(res, 404, 'Job not found');
  redis.hgetall('jobgw:job:{' + match[1] + '}').then((f) => {
    if (f.id === undefined || f.owner !== owner) return problem(res, 404, 'Job not found');
    const body = JSON.stringify(job(f));
    res.writeHead(200, { 'content-type': 'application/json', etag: '"' + (f.version || '0') + '"' });
    res.end(body);
  }, () => problem(res, 503, 'Store unavailable'));
}).listen(port, '127.0.0.1', () => console.log('peer listening on ' + port));
