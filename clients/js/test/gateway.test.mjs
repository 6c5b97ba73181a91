// The client against a real gateway: the plain-HTTP build as its own process, with a local Redis and the
// simulated AI server, started by the Maven build (JsClientIT), which passes its address in the environment and
// a control URL to restart the gateway and pause Redis. Without GATEWAY_URL these tests are skipped (the build
// fails a run in which any was skipped).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  createClient, JobFailedError, JobCancelledError, JobTimeoutError, AuthenticationError, JobNotFoundError,
  readTokenClaims,
} from '../src/index.js';
import { GATEWAY, KEY, backend, control, eventually, simulate, sleep } from '../test-support/gateway.mjs';

/** Collects the switches between long-polls and polling (not which transport a wait started on). */
const pollSwitches = (events) => (event) => {
  if (event.type === 'fallback' || event.type === 'resume') events.push(event);
};

const skip = GATEWAY ? false : 'GATEWAY_URL is not set: run through ./mvnw verify (JsClientIT)';


/** Until the client has a held read out (plus a moment for it to reach the gateway). */
async function holding(client) {
  await eventually(async () => client.stats.longPolls >= 1, 15_000);
  await sleep(200);
}

/** Waits held by the gateway right now, from its readiness check. */
async function waiters() {
  const health = await (await fetch(`${GATEWAY}/q/health/ready`)).json();
  return health.checks.find((c) => c.name === 'waits').data.waiters;
}

test('a wait reports every change of the job once, in order, and resolves when it succeeded', { skip }, async () => {
  const gateway = backend();
  const job = await gateway.submit(simulate({ duration_ms: 1600, progress_steps: 3 }));
  const seen = [];

  const done = await gateway.waitJobCompletion(job.id, { onUpdate: (j) => seen.push(j) });

  assert.equal(done.status, 'succeeded');
  assert.equal(done.completed_via, 'webhook');
  const versions = seen.map((j) => j.version);
  assert.deepEqual(versions, [...new Set(versions)].sort((a, b) => a - b), 'each version once, in order');
  assert.equal(versions.at(-1), done.version);
  // Each held read answers the job as it is when it wakes: steps that land within one round trip of each other
  // (webhooks bunched up on a busy machine) arrive as one update, the latest.
  const progress = seen.filter((j) => j.status === 'running').map((j) => j.progress);
  assert.ok(progress.length >= 1, 'progress reached onUpdate');
  assert.deepEqual(progress, [...progress].sort((a, b) => a - b), 'progress only goes up');
  assert.ok(progress.every((p) => [0.25, 0.5, 0.75].includes(p)), String(progress));
  // Held reads all the way (how many depends on how the webhooks bunch up on a busy machine), never a fallback.
  assert.ok(gateway.stats.longPolls >= 1 && gateway.stats.fallbacks === 0, JSON.stringify(gateway.stats));
  assert.ok(gateway.stats.requests <= seen.length + 2, `${gateway.stats.requests} requests for ${seen.length} versions`);
  assert.equal(gateway.pendingCount, 0);
});

test('a dropped webhook: the wait still resolves, through the gateway\'s fallback', { skip }, async () => {
  const gateway = backend();
  const job = await gateway.submit(simulate({ duration_ms: 300, webhook: 'drop' }));

  const done = await gateway.waitJobCompletion(job.id, { timeout: 20_000 });

  assert.equal(done.status, 'succeeded');
  assert.equal(done.completed_via, 'poll');
  assert.equal(done.delivery.webhooks_received, 0);
});

test('a failed job rejects with its error_message and error.source', { skip }, async () => {
  const gateway = backend();
  const job = await gateway.submit(simulate({ duration_ms: 200, outcome: 'failed', error_message: 'NSFW filter' }));

  const error = await gateway.waitJobCompletion(job.id).catch((e) => e);

  assert.ok(error instanceof JobFailedError, String(error));
  assert.equal(error.errorMessage, 'NSFW filter');
  assert.equal(error.source, 'ai_server');
  assert.equal(error.job.status, 'failed');
});

test('a cancel ends a wait with JobCancelledError', { skip }, async () => {
  const gateway = backend();
  const job = await gateway.submit(simulate({ duration_ms: 60_000 }));
  const waiting = gateway.waitJobCompletion(job.id).catch((e) => e);
  await holding(gateway);

  const cancelled = await gateway.cancel(job.id);
  const error = await waiting;

  assert.equal(cancelled.status, 'cancelled');
  assert.ok(error instanceof JobCancelledError, String(error));
  assert.equal(error.job.completed_via, 'cancel');
});

test('the gateway restarting mid-wait: the client polls meanwhile, switches back, and resolves', { skip }, async () => {
  const events = [];
  const gateway = createClient({ baseUrl: GATEWAY, apiKey: KEY, onTransport: pollSwitches(events) });
  const job = await gateway.submit(simulate({ duration_ms: 15_000, progress_steps: 8 }));
  const seen = [];
  const waiting = gateway.waitJobCompletion(job.id, { timeout: 60_000, onUpdate: (j) => seen.push(j.version) });
  await holding(gateway);

  await control('/gateway/stop');
  await sleep(1_000);
  await control('/gateway/start');
  const done = await waiting;

  assert.equal(done.status, 'succeeded');
  assert.equal(events[0].type, 'fallback');
  assert.equal(events[0].reason, 'network');
  assert.ok(events.some((e) => e.type === 'resume'), JSON.stringify(events));
  // One long-poll before the restart and at least one after the resume (how many depends on how fast the restart is).
  assert.ok(gateway.stats.longPolls >= gateway.stats.fallbacks + 1, JSON.stringify(gateway.stats));
  assert.deepEqual(seen, [...new Set(seen)].sort((a, b) => a - b));
  assert.equal(gateway.pendingCount, 0);
});

test('Redis not answering: 503 with Retry-After sends the client to polling, then back', { skip }, async () => {
  const events = [];
  const gateway = createClient({ baseUrl: GATEWAY, apiKey: KEY, onTransport: pollSwitches(events) });
  const job = await gateway.submit(simulate({ duration_ms: 8_000, progress_steps: 1 }));
  const waiting = gateway.waitJobCompletion(job.id, { timeout: 60_000 });
  await holding(gateway);

  await control('/redis/pause?ms=4000');
  const done = await waiting;

  assert.equal(done.status, 'succeeded');
  assert.equal(events[0]?.reason, 'http-503', JSON.stringify(events));
  assert.ok(events.some((e) => e.type === 'resume'), JSON.stringify(events));
});

test('a held read with If-None-Match answers 304 when the job did not change, 200 when it did', { skip }, async () => {
  const gateway = backend();
  const job = await gateway.submit(simulate({ duration_ms: 60_000, progress_steps: 0 }));
  const read = (version, wait) => fetch(`${GATEWAY}/jobs/${job.id}?wait=${wait}`,
    { headers: { Authorization: `Bearer ${KEY}`, 'If-None-Match': `"${version}"` } });

  const started = Date.now();
  const unchanged = await read(job.version, 2);
  const heldMs = Date.now() - started;
  const changed = await read(job.version + 1, 20); // any other version than the job's: answered at once

  assert.equal(unchanged.status, 304);
  assert.equal(unchanged.headers.get('etag'), `"${job.version}"`);
  assert.ok(heldMs >= 1900, `held ${heldMs} ms`);
  assert.equal(changed.status, 200);
  await gateway.cancel(job.id);
});

test('a read token reads, waits on and lists its own job, and nothing else', { skip }, async () => {
  const gateway = backend();
  const mine = await gateway.submit(simulate({ duration_ms: 800 }));
  const other = await gateway.submit(simulate({ duration_ms: 800 }));
  assert.match(mine.read_token, /^ey[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.deepEqual(readTokenClaims(mine.read_token).jobs, [mine.id]);
  const browser = createClient({ baseUrl: GATEWAY, token: mine.read_token });

  assert.equal((await browser.getJob(mine.id)).id, mine.id);
  const timeline = await browser.events(mine.id, { limit: 1 });
  assert.equal(timeline.job_id, mine.id);
  assert.equal(timeline.events.length, 1);
  const full = await browser.events(mine.id);
  assert.deepEqual((await browser.events(mine.id, { after: timeline.next_after })).events[0], full.events[1]);
  assert.equal((await browser.waitJobCompletion(mine.id)).status, 'succeeded');
  await assert.rejects(browser.getJob(other.id), JobNotFoundError);
  await assert.rejects(browser.events(other.id), JobNotFoundError);
  const batch = await (await fetch(`${GATEWAY}/jobs?ids=${mine.id},${other.id}`,
    { headers: { Authorization: `Bearer ${mine.read_token}` } })).json();
  assert.deepEqual(batch.jobs.map((j) => j.id), [mine.id]);
  assert.deepEqual(batch.not_found, [other.id]);
  // never on submit or cancel: those need the API key
  const asKey = createClient({ baseUrl: GATEWAY, apiKey: mine.read_token });
  await assert.rejects(asKey.submit(simulate({})), AuthenticationError);
  await assert.rejects(asKey.cancel(mine.id), AuthenticationError);
  await assert.rejects(asKey.mintReadToken([mine.id]), AuthenticationError);
});

test('expired and forged read tokens are refused like an unknown key', { skip }, async () => {
  const gateway = backend();
  const job = await gateway.submit(simulate({ duration_ms: 60_000 }));
  const short = await gateway.mintReadToken([job.id], { ttlSeconds: 1 });
  const [header, payload, signature] = job.read_token.split('.');
  const forged = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
  await sleep(2_100);

  for (const token of [short.read_token, forged]) {
    const response = await fetch(`${GATEWAY}/jobs/${job.id}`, { headers: { Authorization: `Bearer ${token}` } });
    const problem = await response.json();
    assert.equal(response.status, 401);
    assert.equal(problem.type, 'https://job-gateway.dev/problems/invalid-api-key');
    assert.match(response.headers.get('www-authenticate'), /^Bearer/);
  }
  await gateway.cancel(job.id);
});

test('a read token about to expire: the wait polls instead of holding, and resolves', { skip }, async () => {
  const events = [];
  const gateway = backend();
  const job = await gateway.submit(simulate({ duration_ms: 2_500 }));
  const { read_token: token } = await gateway.mintReadToken([job.id], { ttlSeconds: 20 });
  const browser = createClient({ baseUrl: GATEWAY, token, onTransport: pollSwitches(events) });

  const done = await browser.waitJobCompletion(job.id);

  assert.equal(done.status, 'succeeded');
  assert.deepEqual(events.map((e) => e.reason), ['token-expiring']);
  assert.equal(browser.stats.longPolls, 0);
  assert.ok(browser.stats.polls >= 2, JSON.stringify(browser.stats));
});

test('watchJobs over one minted token: every version of every job once, including a dropped webhook', { skip }, async () => {
  const gateway = backend();
  const jobs = await Promise.all([
    gateway.submit(simulate({ duration_ms: 700, progress_steps: 2 })),
    gateway.submit(simulate({ duration_ms: 1_500, webhook: 'duplicate' })),
    gateway.submit(simulate({ duration_ms: 400, webhook: 'drop' })),
    gateway.submit(simulate({ duration_ms: 1_000, outcome: 'failed' })),
  ]);
  const minted = [];
  const browser = createClient({
    baseUrl: GATEWAY,
    getToken: async (ids) => { minted.push(ids); return (await gateway.mintReadToken(ids)).read_token; },
  });
  const seen = [];

  const watch = browser.watchJobs(jobs, (job) => seen.push(`${job.id}:${job.version}`));
  const last = await watch.done;

  assert.deepEqual(last.map((j) => j.status), ['succeeded', 'succeeded', 'succeeded', 'failed']);
  assert.equal(last[2].completed_via, 'poll');
  assert.equal(new Set(seen).size, seen.length, 'no version reported twice');
  for (const job of last) {
    assert.ok(seen.includes(`${job.id}:${job.version}`), `final version of ${job.id} reported`);
  }
  assert.equal(minted.length, 1, 'one token for the list');
  assert.ok(browser.stats.requests <= seen.length + 3, `${browser.stats.requests} requests, ${seen.length} updates`);
  assert.equal(browser.pendingCount, 0);
});

test('the batch read with versions answers 304 while none of them moved', { skip }, async () => {
  const gateway = backend();
  const a = await gateway.submit(simulate({ duration_ms: 60_000, progress_steps: 0 }));
  const b = await gateway.submit(simulate({ duration_ms: 60_000, progress_steps: 0 }));
  const read = (ids) => fetch(`${GATEWAY}/jobs?ids=${ids}`, { headers: { Authorization: `Bearer ${KEY}` } });

  const unchanged = await read(`${a.id}:${a.version},${b.id}:${b.version}`);
  const behind = await read(`${a.id}:${a.version},${b.id}`); // b listed without a version: news
  const invalid = await read(`${a.id}:one`);

  assert.equal(unchanged.status, 304);
  assert.equal(behind.status, 200);
  assert.deepEqual((await behind.json()).jobs.map((j) => j.id), [a.id, b.id]);
  assert.equal(invalid.status, 400);
  assert.equal((await invalid.json()).type, 'https://job-gateway.dev/problems/invalid-version');
  await gateway.cancel(a.id);
  await gateway.cancel(b.id);
});

test('a wait that times out or is aborted leaves nothing held on the gateway', { skip }, async () => {
  const gateway = backend();
  const job = await gateway.submit(simulate({ duration_ms: 60_000 }));
  const before = await waiters();

  const timedOut = await gateway.waitJobCompletion(job.id, { timeout: 1_200 }).catch((e) => e);
  await eventually(async () => (await waiters()) === before, 5_000);
  const controller = new AbortController();
  const aborted = gateway.waitJobCompletion(job.id, { signal: controller.signal }).catch((e) => e);
  await eventually(async () => (await waiters()) > before, 15_000);
  controller.abort();

  assert.ok(timedOut instanceof JobTimeoutError, String(timedOut));
  assert.equal(timedOut.job.id, job.id);
  assert.equal((await aborted).name, 'AbortError');
  await eventually(async () => (await waiters()) === before, 5_000);
  assert.equal(gateway.pendingCount, 0);
  await gateway.cancel(job.id);
});

test('CORS: a page on another origin may read with a read token and see ETag', { skip }, async () => {
  const origin = process.env.CORS_ORIGIN;
  const gateway = backend();
  const job = await gateway.submit(simulate({ duration_ms: 60_000 }));

  const preflight = await fetch(`${GATEWAY}/jobs/${job.id}?wait=25`, { method: 'OPTIONS', headers: {
    Origin: origin, 'Access-Control-Request-Method': 'GET',
    'Access-Control-Request-Headers': 'authorization,if-none-match' } });
  const read = await fetch(`${GATEWAY}/jobs/${job.id}`,
    { headers: { Origin: origin, Authorization: `Bearer ${job.read_token}` } });

  assert.ok(preflight.status < 300, String(preflight.status));
  assert.equal(preflight.headers.get('access-control-allow-origin'), origin);
  assert.match(preflight.headers.get('access-control-allow-headers').toLowerCase(), /authorization/);
  assert.equal(read.status, 200);
  assert.equal(read.headers.get('access-control-allow-origin'), origin);
  assert.match(read.headers.get('access-control-expose-headers'), /ETag/);
  await gateway.cancel(job.id);
});
