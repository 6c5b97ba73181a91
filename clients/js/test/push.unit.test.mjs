// The push transport's edge cases against a scripted WebSocket peer and a scripted fetch: the order of subscribe and
// read, version gaps, stale and cut-down events, refusals, a silent connection. The main proofs (every change over
// push, the fall back when the connection is killed) run against the real gateway in push-test/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { createClient } from '../src/index.js';
import { jobChannel, subprotocols, SUBPROTOCOL } from '../src/push.js';

const BASE = 'http://gateway.test';
const A = 'job_Ab-c_DEFGHIJKLMNOPQRST';
const B = 'job_BBBBBBBBBBBBBBBBBBBBBB';
const C = 'job_CCCCCCCCCCCCCCCCCCCCCC';

const base64Url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A read token as the gateway shapes it (the client reads its claims, never its signature). */
const readToken = (jobs) => `${base64Url({ alg: 'HS256', typ: 'JWT' })}.${base64Url({ sub: 'o', jobs,
  exp: Math.floor(Date.now() / 1000) + 900 })}.c2ln`;

function job(id, version, status, extra = {}) {
  return {
    id, status, version, input: {}, output: status === 'succeeded' ? { images: [] } : null,
    progress: extra.progress ?? null, error_message: null, error: null, completed_via: null,
    delivery: { state: 'awaiting_webhook', webhooks_received: 0 }, created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z', completed_at: null,
    poll_after_ms: ['succeeded', 'failed', 'cancelled'].includes(status) ? null : 50,
  };
}

const json = (status, body) => new Response(JSON.stringify(body),
  { status, headers: { 'Content-Type': 'application/json' } });
const OFFER = {
  enabled: true, protocol: SUBPROTOCOL, mode: 'local', http_endpoint: `${BASE}/event`,
  realtime_url: 'ws://gateway.test/event/realtime', namespace: 'jobs', channel_prefix: '/jobs/',
};

/** What happened, in order, on both sides: requests (`GET /jobs/...`) and WebSocket messages (`ws subscribe`). */
function world(...handlers) {
  const log = [];
  const calls = [];
  const fetch = async (url, init) => {
    const call = { url: new URL(url), init, headers: init.headers };
    calls.push(call);
    log.push(`GET ${call.url.pathname}${call.url.search}`);
    const handler = handlers.shift();
    if (!handler) throw new Error(`unscripted request ${url}`);
    return handler(call);
  };
  const sockets = [];
  /** The scripted peer: acks, accepts subscriptions (unless `refuse`), and lets a test push events. */
  class PeerSocket {
    constructor(url, protocols) {
      this.url = url;
      this.protocols = protocols;
      this.subscriptions = new Map(); // channel -> id
      this.ack = { type: 'connection_ack', connectionTimeoutMs: 300_000 };
      this.refuse = false;
      this.closed = false;
      sockets.push(this);
      setTimeout(() => this.onopen?.(), 0);
    }

    send(text) {
      const message = JSON.parse(text);
      log.push(`ws ${message.type}`);
      if (message.type === 'connection_init') this.reply(this.ack);
      if (message.type === 'subscribe') {
        if (this.refuse) {
          this.reply({ type: 'subscribe_error', id: message.id,
            errors: [{ errorType: 'UnauthorizedException', message: 'not this job' }] });
        } else {
          this.subscriptions.set(message.channel, { id: message.id, authorization: message.authorization });
          this.reply({ type: 'subscribe_success', id: message.id });
        }
      }
      if (message.type === 'unsubscribe') this.reply({ type: 'unsubscribe_success', id: message.id });
    }

    close() {
      this.drop(1000);
    }

    /** The connection ends (from either side). */
    drop(code = 1006) {
      if (this.closed) return;
      this.closed = true;
      setTimeout(() => this.onclose?.({ code, reason: '' }), 0);
    }

    reply(message) {
      setTimeout(() => !this.closed && this.onmessage?.({ data: JSON.stringify(message) }), 0);
    }

    /** Publishes an event on a job's channel, with the whole job unless `cut`. */
    push(state, { cut = false } = {}) {
      const { id } = this.subscriptions.get(jobChannel(state.id));
      const event = { id: state.id, version: state.version, status: state.status, progress: state.progress };
      if (cut) event.truncated = true;
      else event.job = state;
      this.reply({ type: 'data', id, event: JSON.stringify(event) });
    }
  }
  return { log, calls, fetch, sockets, PeerSocket };
}

/** Until `check()` holds (each turn lets the scripted peer's timers run). */
async function until(check) {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.ok(check(), String(check));
}

test('a job\'s channel follows the gateway\'s rule: job + the id after job_, - as -0, _ as -1', () => {
  assert.equal(jobChannel('job_Ab-c_DEFGHIJKLMNOPQRST'), '/jobs/jobAb-0c-1DEFGHIJKLMNOPQRST');
  assert.equal(jobChannel('job_AAAAAAAAAAAAAAAAAAAAAA', '/other/'), '/other/jobAAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(jobChannel('job____--_-_-_-_-_-_-_-_-_'.slice(0, 26)), `/jobs/job${'-1-1-1-0-0-1-0-1-0-1-0-1-0-1-0-1-0-1-0-1-0-1'}`);
});

test('every channel vector the gateway\'s JobChannel is held to', () => {
  const vectors = JSON.parse(readFileSync(new URL('../../../src/test/resources/vectors/push/channels.json',
    import.meta.url)));
  assert.ok(vectors.cases.length >= 3);
  for (const { job_id: id, channel } of vectors.cases) {
    assert.equal(jobChannel(id, `/${vectors.namespace}/`), channel, id);
  }
});

test('the connection carries the protocol and the auth header as subprotocols, base64url without padding', () => {
  const [protocol, header] = subprotocols({ host: 'gateway.test:8080', Authorization: 'ey.ab.c?' });
  assert.equal(protocol, 'aws-appsync-event-ws');
  assert.match(header, /^header-[A-Za-z0-9_-]+$/);
  assert.deepEqual(JSON.parse(Buffer.from(header.slice(7), 'base64url').toString()),
    { host: 'gateway.test:8080', Authorization: 'ey.ab.c?' });
});

test('a wait subscribes before it reads, takes each pushed change without a request, and resolves', async () => {
  const token = readToken([A]);
  const w = world(() => json(200, OFFER), () => json(200, job(A, 1, 'queued')));
  const transports = [];
  const seen = [];
  const client = createClient({ baseUrl: BASE, token, fetch: w.fetch, WebSocket: w.PeerSocket,
    onTransport: (e) => transports.push(e) });

  const waiting = client.waitJobCompletion(A, { onUpdate: (j) => seen.push([j.version, j.status]) });
  await until(() => seen.length === 1);
  const [socket] = w.sockets;
  socket.push(job(A, 2, 'running', { progress: 0.5 }));
  socket.push(job(A, 3, 'succeeded'));
  const done = await waiting;

  assert.equal(done.status, 'succeeded');
  assert.deepEqual(seen, [[1, 'queued'], [2, 'running'], [3, 'succeeded']]);
  assert.deepEqual(w.log.slice(0, 5), ['GET /realtime', 'ws connection_init', 'ws subscribe', `GET /jobs/${A}`,
    'ws unsubscribe']);
  assert.equal(w.calls[0].headers.Authorization, undefined, 'discovery needs no credentials');
  assert.equal(socket.url, OFFER.realtime_url);
  assert.equal(socket.protocols[0], 'aws-appsync-event-ws');
  assert.deepEqual(JSON.parse(Buffer.from(socket.protocols[1].slice(7), 'base64url').toString()),
    { host: 'gateway.test', Authorization: token });
  assert.deepEqual(socket.subscriptions.get('/jobs/jobAb-0c-1DEFGHIJKLMNOPQRST').authorization,
    { host: 'gateway.test', Authorization: token });
  assert.deepEqual(transports, [{ type: 'push', transport: 'push', target: `job ${A}` }]);
  assert.deepEqual({ requests: client.stats.requests, longPolls: client.stats.longPolls, pushed: client.stats.pushed },
    { requests: 2, longPolls: 0, pushed: 2 });
  await until(() => socket.closed); // the last subscription gone, the connection is closed
  assert.equal(client.pendingCount, 0);
});

test('a wait on push that hears nothing for pushReadEveryMs reads (a read lets the gateway check an overdue job)', async () => {
  const token = readToken([A]);
  // The first read, then a quiet spell: the second read finds the job ended (the gateway's check found it).
  const w = world(() => json(200, OFFER), () => json(200, job(A, 1, 'queued')),
    () => json(200, { ...job(A, 2, 'succeeded'), completed_via: 'poll' }));
  const client = createClient({ baseUrl: BASE, token, fetch: w.fetch, WebSocket: w.PeerSocket, pushReadEveryMs: 30 });

  const done = await client.waitJobCompletion(A);

  assert.equal(done.completed_via, 'poll');
  assert.deepEqual(w.log.filter((line) => line.startsWith('GET')), ['GET /realtime', `GET /jobs/${A}`,
    `GET /jobs/${A}`]);
  assert.equal(client.stats.longPolls, 0, 'a read on push is never held');
});

test('a watch on push that hears nothing for pushReadEveryMs reads the jobs not ended, once per quiet spell', async () => {
  const token = readToken([A, B]);
  const w = world(() => json(200, OFFER),
    () => json(200, { jobs: [job(A, 1, 'queued'), job(B, 2, 'succeeded')], not_found: [] }),
    () => json(200, { jobs: [{ ...job(A, 2, 'succeeded'), completed_via: 'poll' }], not_found: [] }));
  const client = createClient({ baseUrl: BASE, token, fetch: w.fetch, WebSocket: w.PeerSocket, pushReadEveryMs: 30 });

  const watch = client.watchJobs([A, B], () => {});
  const jobs = await watch.done;

  assert.deepEqual(jobs.map((j) => [j.id, j.status]), [[A, 'succeeded'], [B, 'succeeded']]);
  const reads = w.calls.filter((call) => call.url.pathname === '/jobs');
  assert.equal(reads.length, 2);
  assert.match(reads[1].url.search, new RegExp(`ids=${A}(%3A|:)1$`), 'only the job not ended, with its version');
});

test('a version gap and a cut-down event are read; events not newer than the last are ignored', async () => {
  const w = world(
    () => json(200, OFFER),
    () => json(200, job(A, 1, 'queued')),
    (call) => {
      assert.equal(call.headers['If-None-Match'], '"1"');
      return json(200, job(A, 3, 'running', { progress: 0.6 }));
    },
    () => json(200, job(A, 4, 'succeeded')),
  );
  const seen = [];
  const client = createClient({ baseUrl: BASE, token: readToken([A]), fetch: w.fetch, WebSocket: w.PeerSocket });

  const waiting = client.waitJobCompletion(A, { onUpdate: (j) => seen.push(j.version) });
  await until(() => seen.length === 1);
  const [socket] = w.sockets;
  socket.push(job(A, 3, 'running', { progress: 0.6 })); // 2 was lost: read
  await until(() => seen.length === 2);
  socket.push(job(A, 2, 'running')); // late
  socket.push(job(A, 3, 'running')); // again
  socket.push(job(A, 4, 'succeeded'), { cut: true }); // too large to carry the job: read
  const done = await waiting;

  assert.deepEqual(seen, [1, 3, 4]);
  assert.equal(done.version, 4);
  assert.equal(w.calls.length, 4);
  assert.equal(client.stats.longPolls, 0);
});

test('a refused subscription sends the wait to long-polls, and onTransport says why', async () => {
  const w = world(
    () => json(200, OFFER),
    () => json(200, job(A, 1, 'queued')),
    (call) => {
      assert.equal(call.url.searchParams.get('wait'), '25');
      return json(200, job(A, 2, 'succeeded'));
    },
  );
  const transports = [];
  const client = createClient({ baseUrl: BASE, token: readToken([A]), fetch: w.fetch,
    WebSocket: class extends w.PeerSocket {
      constructor(...args) {
        super(...args);
        this.refuse = true;
      }
    },
    onTransport: (e) => transports.push(e) });

  const done = await client.waitJobCompletion(A);

  assert.equal(done.version, 2);
  assert.deepEqual(transports.map((e) => [e.type, e.reason]), [['long-poll', 'subscribe-refused']]);
  assert.equal(client.stats.longPolls, 1);
  assert.equal(client.stats.pushLost, 0);
  await until(() => w.sockets[0].closed); // no connection kept open for nothing
});

test('a connection that stops sending keep-alives is dropped; the wait goes on over long-polls', async () => {
  const w = world(
    () => json(200, OFFER),
    () => json(200, job(A, 1, 'queued')),
    (call) => {
      assert.equal(call.headers['If-None-Match'], '"1"');
      return json(200, job(A, 2, 'succeeded'));
    },
  );
  const transports = [];
  const client = createClient({ baseUrl: BASE, token: readToken([A]), fetch: w.fetch,
    WebSocket: class extends w.PeerSocket {
      constructor(...args) {
        super(...args);
        this.ack = { type: 'connection_ack', connectionTimeoutMs: 30 };
      }
    },
    onTransport: (e) => transports.push(e) });

  const done = await client.waitJobCompletion(A);

  assert.equal(done.version, 2);
  assert.deepEqual(transports.map((e) => [e.type, e.reason]), [['push', undefined],
    ['long-poll', 'keep-alive-timeout']]);
  assert.ok(w.sockets[0].closed);
  assert.equal(client.stats.pushLost, 1);
  assert.equal(client.stats.longPolls, 1);
});

test('a watch and a wait share one connection, one subscription per job; the watch reads its jobs once', async () => {
  const token = readToken([A, B, C]);
  const w = world(
    () => json(200, OFFER),
    (call) => {
      assert.equal(call.url.searchParams.get('ids'), `${A}:1,${B}`); // A is known (given as a job)
      assert.equal(call.url.searchParams.get('wait'), null);
      return json(200, { jobs: [job(B, 1, 'queued')], not_found: [] });
    },
    () => json(200, job(C, 1, 'running')),
  );
  const client = createClient({ baseUrl: BASE, token, fetch: w.fetch, WebSocket: w.PeerSocket });
  const seen = [];

  const watch = client.watchJobs([job(A, 1, 'queued'), B], (j) => seen.push(`${j.id.slice(4, 5)}${j.version}`));
  const waiting = client.waitJobCompletion(C);
  await until(() => w.sockets[0]?.subscriptions.size === 3 && seen.length === 1 && w.calls.length === 3);
  const [socket] = w.sockets;
  socket.push(job(A, 2, 'succeeded'));
  socket.push(job(B, 2, 'failed'));
  socket.push(job(C, 2, 'succeeded'));
  const jobs = await watch.done;
  await waiting;

  assert.equal(w.sockets.length, 1, 'one connection');
  assert.deepEqual(jobs.map((j) => j.status), ['succeeded', 'failed']);
  assert.deepEqual(seen, ['B1', 'A2', 'B2']);
  assert.equal(client.stats.requests, 3);
  assert.equal(client.stats.subscriptions, 3);
  assert.equal(client.stats.longPolls, 0);
  await until(() => socket.closed);
});

test('an API key never goes to the realtime endpoint: a backend\'s wait long-polls', async () => {
  const w = world(() => json(200, job(A, 1, 'succeeded')));
  const transports = [];
  const client = createClient({ baseUrl: BASE, apiKey: 'secret', fetch: w.fetch, WebSocket: w.PeerSocket,
    onTransport: (e) => transports.push(e) });

  await client.waitJobCompletion(A);

  assert.equal(w.sockets.length, 0);
  assert.deepEqual(transports.map((e) => [e.type, e.reason]), [['long-poll', 'api-key']]);
});

test('a gateway that offers no push: the discovery is asked once, then waits long-poll', async () => {
  const w = world(
    () => json(200, { enabled: false }),
    () => json(200, job(A, 1, 'succeeded')),
    () => json(200, job(A, 1, 'succeeded')),
  );
  const transports = [];
  const client = createClient({ baseUrl: BASE, token: readToken([A]), fetch: w.fetch, WebSocket: w.PeerSocket,
    onTransport: (e) => transports.push(e) });

  await client.waitJobCompletion(A);
  await client.waitJobCompletion(A);

  assert.equal(w.calls.filter((c) => c.url.pathname === '/realtime').length, 1);
  assert.deepEqual(transports.map((e) => e.reason), ['not-offered', 'not-offered']);
  assert.equal(w.sockets.length, 0);
});
