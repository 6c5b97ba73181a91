// The client on push against a real gateway: the plain-HTTP build as its own process serving AppSync Events'
// WebSocket protocol at /event/realtime, with a local Redis and the simulated AI server, started by the Maven build
// (JsClientIT). The WebSocket is Node's own (undici's, the one Node 22 has built in; Node 20 needs
// --experimental-websocket, which JsClientIT passes), injected as a browser app would rely on the global one.
// Without GATEWAY_URL or a WebSocket these tests are skipped (the build fails a run in which any was skipped).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createClient } from '../src/index.js';
import { GATEWAY, backend, control, eventually, simulate, sleep } from '../test-support/gateway.mjs';

const NativeWebSocket = globalThis.WebSocket;
const skip = !GATEWAY ? 'GATEWAY_URL is not set: run through ./mvnw verify (JsClientIT)'
  : !NativeWebSocket ? 'no WebSocket: run with node --experimental-websocket (Node 20)' : false;


/** Counts the connections a client opens. */
function counted() {
  const opened = [];
  class CountedWebSocket extends NativeWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      opened.push(url);
    }
  }
  return { opened, WebSocket: CountedWebSocket };
}

/** A browser's client: the read token it was given, the platform's WebSocket, every transport event recorded. */
function browser(options = {}) {
  const transports = [];
  const client = createClient({ baseUrl: GATEWAY, WebSocket: NativeWebSocket, onTransport: (e) => transports.push(e),
    ...options });
  return { client, transports };
}

test('the gateway offers its own endpoint: GET /realtime names the WebSocket URL, no credentials needed', { skip }, async () => {
  const response = await fetch(`${GATEWAY}/realtime`);
  const offer = await response.json();

  assert.equal(response.status, 200);
  assert.equal(offer.enabled, true);
  assert.equal(offer.protocol, 'aws-appsync-event-ws');
  assert.equal(offer.realtime_url, `${GATEWAY.replace(/^http/, 'ws')}/event/realtime`);
});

test('every change of a job reaches the client over push, with no held read', { skip }, async () => {
  const job = await backend().submit(simulate({ duration_ms: 1600, progress_steps: 3 }));
  const { client, transports } = browser({ token: job.read_token });
  const seen = [];

  const done = await client.waitJobCompletion(job.id, { onUpdate: (j) => seen.push(j) });

  assert.equal(done.status, 'succeeded');
  assert.equal(done.completed_via, 'webhook');
  assert.deepEqual(transports.map((e) => e.type), ['push']);
  const versions = seen.map((j) => j.version);
  assert.deepEqual(versions, [...new Set(versions)].sort((a, b) => a - b), 'each version once, in order');
  assert.equal(versions.at(-1), done.version);
  const progress = seen.filter((j) => j.status === 'running').map((j) => j.progress);
  assert.deepEqual(progress, [0.25, 0.5, 0.75], 'every progress step, each its own change');
  // The first read (after subscribing) and, for the changes after it, pushed events only.
  assert.equal(client.stats.longPolls, 0, JSON.stringify(client.stats));
  assert.ok(client.stats.pushed >= seen.length - 1, JSON.stringify(client.stats));
  assert.equal(client.stats.requests, 2, `discovery and one read: ${JSON.stringify(client.stats)}`);
  assert.equal(client.pendingCount, 0);
});

test('a client that subscribes just as the job ends still ends with the final state', { skip }, async () => {
  const gateway = backend();
  // Waits started around each job's end (the simulated AI server ends it 600 ms after the submit), a few before,
  // a few after: the change lands before the subscribe, between subscribe and read, or after the read.
  const offsets = [450, 520, 560, 590, 610, 640, 680, 750, 900];
  const { client } = browser();
  const outcomes = await Promise.all(offsets.map(async (offset) => {
    const submittedAt = Date.now();
    const job = await gateway.submit(simulate({ duration_ms: 600 }));
    await sleep(offset - (Date.now() - submittedAt));
    const done = await client.waitJobCompletion(job.id, { token: job.read_token, timeout: 20_000 });
    const final = await gateway.getJob(job.id);
    return { offset, status: done.status, version: done.version, final: final.version };
  }));

  for (const outcome of outcomes) {
    assert.equal(outcome.status, 'succeeded', JSON.stringify(outcome));
    assert.equal(outcome.version, outcome.final, JSON.stringify(outcome));
  }
  assert.equal(client.stats.longPolls, 0, JSON.stringify(client.stats));
  assert.ok(client.stats.subscriptions >= offsets.length, JSON.stringify(client.stats));
});

test('the connection closed mid-wait: the wait goes on over long-polls and completes', { skip }, async () => {
  const job = await backend().submit(simulate({ duration_ms: 3000, progress_steps: 4 }));
  const { client, transports } = browser({ token: job.read_token });
  const seen = [];
  const waiting = client.waitJobCompletion(job.id, { timeout: 30_000, onUpdate: (j) => seen.push(j.version) });
  await eventually(() => client.stats.pushed >= 1, 10_000);

  client.pushConnection.close();
  const done = await waiting;

  assert.equal(done.status, 'succeeded');
  assert.deepEqual(transports.map((e) => [e.type, e.reason]), [['push', undefined], ['long-poll', 'closed']]);
  assert.ok(client.stats.longPolls >= 1, JSON.stringify(client.stats));
  assert.equal(client.stats.pushLost, 1);
  assert.deepEqual(seen, [...new Set(seen)].sort((a, b) => a - b));
  assert.equal(client.pendingCount, 0);
});

test('the gateway killed mid-wait: push is lost, the wait long-polls and polls through the restart, and completes', { skip }, async () => {
  const job = await backend().submit(simulate({ duration_ms: 12_000, progress_steps: 6 }));
  const { client, transports } = browser({ token: job.read_token });
  const seen = [];
  const waiting = client.waitJobCompletion(job.id, { timeout: 60_000, onUpdate: (j) => seen.push(j.version) });
  await eventually(() => client.stats.pushed >= 1, 10_000);

  await control('/gateway/stop');
  await control('/gateway/start');
  const done = await waiting;

  assert.equal(done.status, 'succeeded');
  assert.equal(transports[0].type, 'push');
  assert.equal(transports[1].type, 'long-poll', JSON.stringify(transports));
  assert.match(transports[1].reason, /^(closed-\d+|keep-alive-timeout)$/);
  assert.equal(client.stats.pushLost, 1);
  assert.deepEqual(seen, [...new Set(seen)].sort((a, b) => a - b));
  assert.equal(client.pendingCount, 0);
});

test('a refused subscription: the wait long-polls from the start, and onTransport says why', { skip }, async () => {
  const job = await backend().submit(simulate({ duration_ms: 800 }));
  // The gateway's own answer, but with channels outside its namespace: every subscribe is refused.
  const fetchOtherChannels = async (url, init) => {
    const response = await fetch(url, init);
    if (new URL(url).pathname !== '/realtime') return response;
    return Response.json({ ...(await response.json()), channel_prefix: '/elsewhere/' });
  };
  const { client, transports } = browser({ token: job.read_token, fetch: fetchOtherChannels });

  const done = await client.waitJobCompletion(job.id);

  assert.equal(done.status, 'succeeded');
  assert.deepEqual(transports.map((e) => [e.type, e.reason]), [['long-poll', 'subscribe-refused']]);
  assert.ok(client.stats.longPolls >= 1, JSON.stringify(client.stats));
  assert.equal(client.stats.subscriptions, 0);
});

test('a list screen on push: one connection for every job, each job\'s end drawn, no held read', { skip }, async () => {
  const gateway = backend();
  const jobs = await Promise.all([
    gateway.submit(simulate({ duration_ms: 700, progress_steps: 2 })),
    gateway.submit(simulate({ duration_ms: 1_500, webhook: 'duplicate' })),
    gateway.submit(simulate({ duration_ms: 400, webhook: 'drop' })),
    gateway.submit(simulate({ duration_ms: 1_000, outcome: 'failed' })),
    gateway.submit(simulate({ duration_ms: 1_200, webhook: 'out_of_order', progress_steps: 3 })),
  ]);
  const sockets = counted();
  const minted = [];
  const { client, transports } = browser({
    WebSocket: sockets.WebSocket,
    getToken: async (ids) => { minted.push(ids); return (await gateway.mintReadToken(ids)).read_token; },
  });
  const seen = [];

  const last = await client.watchJobs(jobs, (job) => seen.push(`${job.id}:${job.version}`)).done;

  assert.deepEqual(last.map((j) => j.status), ['succeeded', 'succeeded', 'succeeded', 'failed', 'succeeded']);
  assert.equal(last[2].completed_via, 'poll', 'the gateway\'s own check of a dropped webhook is pushed too');
  assert.equal(new Set(seen).size, seen.length, 'no version reported twice');
  for (const job of last) assert.ok(seen.includes(`${job.id}:${job.version}`), `final version of ${job.id}`);
  assert.equal(sockets.opened.length, 1, 'one connection');
  assert.equal(client.stats.subscriptions, 5);
  assert.equal(client.stats.longPolls, 0, JSON.stringify(client.stats));
  assert.deepEqual(transports.map((e) => e.type), ['push']);
  assert.equal(minted.length, 1, 'one token for the list');
  assert.equal(client.pendingCount, 0);
  await eventually(() => client.pushConnection === null, 2_000); // closed with its last subscription
});
