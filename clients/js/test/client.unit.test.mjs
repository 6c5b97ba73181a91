// The client's transport logic against a scripted fetch: what it sends, how it falls back and comes back, how it
// ends. No gateway needed (the tests against a real one are in gateway.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  createClient, JobFailedError, JobCancelledError, JobTimeoutError, AuthenticationError, JobNotFoundError,
  ProblemError, NetworkError, readTokenExpiry, VERSION,
} from '../src/index.js';

/** Collects the switches between long-polls and polling (not which transport a wait started on). */
const pollSwitches = (events) => (event) => {
  if (event.type === 'fallback' || event.type === 'resume') events.push(event);
};

const BASE = 'http://gateway.test';
const ID = 'job_AAAAAAAAAAAAAAAAAAAAAA';

function job(version, status, extra = {}) {
  return {
    id: extra.id ?? ID, status, input: {}, output: status === 'succeeded' ? { images: [] } : null,
    progress: extra.progress ?? null, error_message: extra.error_message ?? null, error: extra.error ?? null,
    completed_via: null, delivery: { state: 'awaiting_webhook', webhooks_received: 0 }, version,
    created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', completed_at: null,
    poll_after_ms: ['succeeded', 'failed', 'cancelled'].includes(status) ? null : (extra.poll_after_ms ?? 50),
  };
}

const json = (status, body, headers = {}) => new Response(JSON.stringify(body),
  { status, headers: { 'Content-Type': 'application/json', ...headers } });
const notModified = () => new Response(null, { status: 304 });

/** A fetch that answers each request with the next scripted handler, and records what was asked. */
function scripted(...handlers) {
  const calls = [];
  const fetch = async (url, init) => {
    const call = { url: new URL(url), init, headers: init.headers, at: Date.now() };
    calls.push(call);
    const handler = handlers.shift();
    if (!handler) throw new Error(`unscripted request ${url}`);
    return handler(call);
  };
  return { fetch, calls };
}

/** A handler that holds the request until `ms` pass (or it is aborted), then answers `respond()`. */
const held = (ms, respond) => (call) => new Promise((resolve, reject) => {
  const timer = setTimeout(() => resolve(respond()), ms);
  call.init.signal.addEventListener('abort', () => {
    clearTimeout(timer);
    call.aborted = true;
    reject(call.init.signal.reason ?? new Error('aborted'));
  });
});

const refused = () => Promise.reject(new TypeError('fetch failed'));

function noTimersLeft() {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length === 0;
}

test('long-polls with If-None-Match after a first plain read, and resolves on succeeded', async () => {
  const { fetch, calls } = scripted(
    () => json(200, job(1, 'queued'), { ETag: '"1"' }),
    () => json(200, job(2, 'running', { progress: 0.5 }), { ETag: '"2"' }),
    () => notModified(),
    () => json(200, job(3, 'succeeded'), { ETag: '"3"' }),
  );
  const client = createClient({ baseUrl: BASE, apiKey: 'k', fetch });
  const seen = [];

  const done = await client.waitJobCompletion(ID, { onUpdate: (j) => seen.push([j.version, j.status]) });

  assert.equal(done.status, 'succeeded');
  assert.deepEqual(seen, [[1, 'queued'], [2, 'running'], [3, 'succeeded']]);
  assert.equal(calls[0].url.search, '');
  assert.equal(calls[0].headers['If-None-Match'], undefined);
  assert.equal(calls[1].url.searchParams.get('wait'), '25');
  assert.equal(calls[1].headers['If-None-Match'], '"1"');
  assert.equal(calls[2].headers['If-None-Match'], '"2"');
  assert.equal(calls[3].headers['If-None-Match'], '"2"');
  assert.equal(calls[0].headers.Authorization, 'Bearer k');
  assert.deepEqual({ requests: client.stats.requests, longPolls: client.stats.longPolls,
    notModified: client.stats.notModified }, { requests: 4, longPolls: 3, notModified: 1 });
  assert.equal(client.pendingCount, 0);
});

test('never calls onUpdate twice for one version, nor for an older one', async () => {
  const { fetch } = scripted(
    () => json(200, job(2, 'running')),
    () => json(200, job(2, 'running')),
    () => json(200, job(1, 'queued')),
    () => json(200, job(3, 'succeeded')),
  );
  const seen = [];
  await createClient({ baseUrl: BASE, fetch }).waitJobCompletion(ID, { onUpdate: (j) => seen.push(j.version) });
  assert.deepEqual(seen, [2, 3]);
});

test('rejects a failed job with its error_message and error.source', async () => {
  const { fetch } = scripted(() => json(200, job(4, 'failed', {
    error_message: 'NSFW filter', error: { source: 'ai_server', code: 'generation_failed', message: 'NSFW filter' },
  })));
  const client = createClient({ baseUrl: BASE, fetch });

  const error = await client.waitJobCompletion(ID).catch((e) => e);

  assert.ok(error instanceof JobFailedError, String(error));
  assert.equal(error.errorMessage, 'NSFW filter');
  assert.equal(error.source, 'ai_server');
  assert.equal(error.error.code, 'generation_failed');
  assert.equal(error.job.version, 4);
  assert.equal(error.message, 'Job failed: NSFW filter');
});

test('rejects a cancelled job with JobCancelledError', async () => {
  const { fetch } = scripted(() => json(200, job(2, 'cancelled')));
  const error = await createClient({ baseUrl: BASE, fetch }).waitJobCompletion(ID).catch((e) => e);
  assert.ok(error instanceof JobCancelledError, String(error));
  assert.equal(error.job.status, 'cancelled');
});

test('turns 401 and 404 into typed problems, without retrying them', async () => {
  const problem = (status, type) => () => json(status, { type: `/problems/${type}`, title: 't', status, detail: 'd' });
  const { fetch, calls } = scripted(problem(401, 'invalid-api-key'), problem(404, 'job-not-found'),
    problem(422, 'invalid-request'));
  const client = createClient({ baseUrl: BASE, token: 'not-a-jwt', fetch });

  const unauthorized = await client.waitJobCompletion(ID).catch((e) => e);
  const unknown = await client.waitJobCompletion(ID).catch((e) => e);
  const invalid = await client.submit({}).catch((e) => e);

  assert.ok(unauthorized instanceof AuthenticationError);
  assert.equal(unauthorized.type, '/problems/invalid-api-key');
  assert.ok(unknown instanceof JobNotFoundError);
  assert.equal(unknown.status, 404);
  assert.ok(invalid instanceof ProblemError);
  assert.equal(invalid.status, 422);
  assert.equal(calls.length, 3);
});

test('falls back to conditional polling on a network error, honours poll_after_ms, and switches back', async () => {
  const events = [];
  const { fetch, calls } = scripted(
    () => json(200, job(1, 'queued', { poll_after_ms: 120 })),
    refused,
    () => notModified(),
    () => json(200, job(2, 'running', { poll_after_ms: 120 })),
    () => notModified(),
    () => json(200, job(3, 'succeeded')),
  );
  const client = createClient({ baseUrl: BASE, fetch, random: () => 0, onTransport: pollSwitches(events) });

  await client.waitJobCompletion(ID);

  // first read, long-poll (refused), two polls, then long-polls again
  const waits = calls.map((c) => c.url.searchParams.get('wait'));
  assert.deepEqual(waits, [null, '25', null, null, '25', '25']);
  assert.deepEqual(events.map((e) => [e.type, e.reason]), [['fallback', 'network'], ['resume', undefined]]);
  // polls carry If-None-Match too: a poll that finds nothing new costs a 304
  assert.equal(calls[2].headers['If-None-Match'], '"1"');
  assert.equal(calls[4].headers['If-None-Match'], '"2"');
  // the poll after a 200 waits poll_after_ms (120), with its jitter (random 0 gives none)
  assert.ok(calls[4].at - calls[3].at >= 115, `${calls[4].at - calls[3].at} ms`);
  assert.equal(client.stats.fallbacks, 1);
  assert.equal(client.stats.resumes, 1);
});

test('honours Retry-After on a 503 and falls back with reason http-503', async () => {
  const events = [];
  const { fetch, calls } = scripted(
    () => json(200, job(1, 'queued')),
    () => json(503, { type: '/problems/store-unavailable', status: 503 }, { 'Retry-After': '1' }),
    () => json(200, job(2, 'succeeded')),
  );
  const client = createClient({ baseUrl: BASE, fetch, random: () => 0, onTransport: pollSwitches(events) });

  await client.waitJobCompletion(ID);

  assert.ok(calls[2].at - calls[1].at >= 990, `${calls[2].at - calls[1].at} ms`);
  assert.equal(calls[2].url.searchParams.get('wait'), null);
  assert.deepEqual(events.map((e) => e.reason), ['http-503']);
});

test('treats an API Gateway timeout (504) as a reason to poll', async () => {
  const events = [];
  const { fetch } = scripted(
    () => json(200, job(1, 'queued')),
    () => json(504, { message: 'Endpoint request timed out' }),
    () => json(200, job(2, 'succeeded')),
  );
  await createClient({ baseUrl: BASE, fetch, random: () => 0, onTransport: pollSwitches(events) })
    .waitJobCompletion(ID);
  assert.deepEqual(events.map((e) => e.reason), ['gateway-timeout']);
});

test('backs off exponentially, with jitter, while the gateway stays unreachable', async () => {
  const { fetch, calls } = scripted(
    () => json(200, job(1, 'queued')), refused, refused, refused, () => json(200, job(2, 'succeeded')));
  let draws = 0;
  // jitter draws alternate 0 and 1: the delay is half, then all of 500 ms * 2^(n-1)
  const client = createClient({ baseUrl: BASE, fetch, random: () => (draws++ % 2) });

  await client.waitJobCompletion(ID);

  const gaps = calls.slice(1).map((c, i, all) => (i === 0 ? 0 : c.at - all[i - 1].at)).slice(1);
  assert.ok(gaps[0] >= 240 && gaps[0] < 400, `first ${gaps[0]}`);
  assert.ok(gaps[1] >= 990 && gaps[1] < 1200, `second ${gaps[1]}`);
  assert.ok(gaps[2] >= 990 && gaps[2] < 1200, `third ${gaps[2]}`);
});

test('a timeout rejects with JobTimeoutError and the last state, aborting the held request', async () => {
  const { fetch, calls } = scripted(
    () => json(200, job(1, 'queued')),
    held(60_000, () => notModified()),
  );
  const client = createClient({ baseUrl: BASE, fetch });

  const error = await client.waitJobCompletion(ID, { timeout: 300 }).catch((e) => e);

  assert.ok(error instanceof JobTimeoutError, String(error));
  assert.equal(error.timeout, 300);
  assert.equal(error.job.version, 1);
  assert.equal(calls[1].aborted, true);
  assert.equal(client.pendingCount, 0);
  assert.ok(noTimersLeft(), process.getActiveResourcesInfo().join());
});

test('an aborted signal rejects with its reason and leaves no request or timer behind', async () => {
  const { fetch, calls } = scripted(
    () => json(200, job(1, 'queued')),
    held(60_000, () => notModified()),
  );
  const client = createClient({ baseUrl: BASE, fetch });
  const controller = new AbortController();

  const waiting = client.waitJobCompletion(ID, { signal: controller.signal });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(client.pendingCount, 1);
  controller.abort();
  const error = await waiting.catch((e) => e);

  assert.equal(error.name, 'AbortError');
  assert.equal(calls[1].aborted, true);
  assert.equal(client.pendingCount, 0);
  assert.ok(noTimersLeft(), process.getActiveResourcesInfo().join());
});

test('aborting during a fallback sleep clears its timer', async () => {
  const { fetch } = scripted(() => json(200, job(1, 'queued')),
    () => json(503, {}, { 'Retry-After': '60' }));
  const client = createClient({ baseUrl: BASE, fetch });
  const controller = new AbortController();
  const waiting = client.waitJobCompletion(ID, { signal: controller.signal });
  await new Promise((r) => setTimeout(r, 50));

  controller.abort();
  await assert.rejects(waiting, { name: 'AbortError' });

  assert.equal(client.pendingCount, 0);
  assert.ok(noTimersLeft(), process.getActiveResourcesInfo().join());
});

function token(expiresInSeconds, jobs = [ID]) {
  const encode = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const exp = Math.floor(Date.now() / 1000) + expiresInSeconds;
  return `${encode({ alg: 'HS256', typ: 'JWT', kid: 'k' })}.${encode({ sub: 'o', jobs, exp })}.c2ln`;
}

test('reads a read token\'s expiry', () => {
  const t = token(600);
  assert.ok(Math.abs(readTokenExpiry(t) - (Date.now() + 600_000)) < 1500);
  assert.equal(readTokenExpiry('an-api-key'), null);
});

test('a read token about to expire makes the wait poll instead of holding', async () => {
  const events = [];
  const { fetch, calls } = scripted(
    () => json(200, job(1, 'queued', { poll_after_ms: 50 })),
    () => notModified(),
    () => json(200, job(2, 'succeeded')),
  );
  const client = createClient({ baseUrl: BASE, token: token(10), fetch, onTransport: pollSwitches(events) });

  await client.waitJobCompletion(ID);

  assert.deepEqual(calls.map((c) => c.url.searchParams.get('wait')), [null, null, null]);
  assert.deepEqual(events.map((e) => e.reason), ['token-expiring']);
  assert.match(calls[1].headers.Authorization, /^Bearer ey/);
});

test('with getToken, a token about to expire is replaced and the wait keeps long-polling', async () => {
  const asked = [];
  const { fetch, calls } = scripted(
    () => json(200, job(1, 'queued')),
    () => json(200, job(2, 'succeeded')),
  );
  const tokens = [token(10), token(900)];
  const client = createClient({ baseUrl: BASE, fetch, getToken: (ids) => { asked.push(ids); return tokens.shift(); } });

  await client.waitJobCompletion(ID);

  assert.deepEqual(asked, [[ID], [ID]]);
  assert.equal(calls[1].url.searchParams.get('wait'), '25');
  assert.notEqual(calls[0].headers.Authorization, calls[1].headers.Authorization);
});

test('submit sends the input, provider, Idempotency-Key and the API key', async () => {
  const { fetch, calls } = scripted(() => json(202, { ...job(1, 'queued'), read_token: 't' }));
  const client = createClient({ baseUrl: `${BASE}/`, apiKey: 'secret', fetch });

  const submitted = await client.submit({ prompt: 'p' }, { provider: 'fal', model: 'fal-ai/flux/dev',
    idempotencyKey: 'order-1' });

  assert.equal(submitted.read_token, 't');
  assert.equal(calls[0].url.href, `${BASE}/jobs`);
  assert.equal(calls[0].init.method, 'POST');
  assert.deepEqual(JSON.parse(calls[0].init.body), { input: { prompt: 'p' }, provider: 'fal',
    model: 'fal-ai/flux/dev' });
  assert.equal(calls[0].headers['Idempotency-Key'], 'order-1');
  assert.equal(calls[0].headers.Authorization, 'Bearer secret');
});

test('a single read that gets no answer is a NetworkError', async () => {
  const { fetch } = scripted(refused);
  await assert.rejects(createClient({ baseUrl: BASE, fetch }).getJob(ID), NetworkError);
});

const A = 'job_AAAAAAAAAAAAAAAAAAAAAA';
const B = 'job_BBBBBBBBBBBBBBBBBBBBBB';

test('watchJobs sends each job\'s version, reports every new version once, and ends when all are terminal', async () => {
  const { fetch, calls } = scripted(
    () => json(200, { jobs: [job(1, 'queued', { id: A }), job(1, 'queued', { id: B })], not_found: [] }),
    () => json(200, { jobs: [job(2, 'running', { id: A }), job(1, 'queued', { id: B })], not_found: [] }),
    () => notModified(),
    () => json(200, { jobs: [job(3, 'succeeded', { id: A }), job(2, 'failed', { id: B })], not_found: [] }),
  );
  const client = createClient({ baseUrl: BASE, fetch });
  const seen = [];

  const watch = client.watchJobs([A, B], (j) => seen.push(`${j.id.slice(4, 5)}${j.version}`));
  const last = await watch.done;

  assert.deepEqual(seen, ['A1', 'B1', 'A2', 'A3', 'B2']);
  assert.deepEqual(last.map((j) => j.status), ['succeeded', 'failed']);
  assert.equal(calls[0].url.searchParams.get('ids'), `${A},${B}`);
  assert.equal(calls[0].url.searchParams.get('wait'), null);
  assert.equal(calls[1].url.searchParams.get('ids'), `${A}:1,${B}:1`);
  assert.equal(calls[1].url.searchParams.get('wait'), '25');
  assert.equal(calls[2].url.searchParams.get('ids'), `${A}:2,${B}:1`);
  assert.equal(client.pendingCount, 0);
});

test('watchJobs stops asking about jobs that ended, and reports unknown ids', async () => {
  const missing = [];
  const { fetch, calls } = scripted(
    () => json(200, { jobs: [job(3, 'succeeded', { id: A }), job(1, 'queued', { id: B })], not_found: [ID.replace('A', 'C')] }),
    () => json(200, { jobs: [job(2, 'succeeded', { id: B })], not_found: [] }),
  );
  const watch = createClient({ baseUrl: BASE, fetch }).watchJobs([A, B, ID.replace('A', 'C')], () => {},
    { onNotFound: (id) => missing.push(id) });
  await watch.done;
  assert.equal(calls[1].url.searchParams.get('ids'), `${B}:1`);
  assert.deepEqual(missing, [ID.replace('A', 'C')]);
});

test('watchJobs.add reissues the held read with the new job, and stop() leaves nothing behind', async () => {
  const { fetch, calls } = scripted(
    () => json(200, { jobs: [job(1, 'queued', { id: A })], not_found: [] }),
    held(60_000, () => notModified()),
    () => json(200, { jobs: [job(1, 'queued', { id: A }), job(1, 'queued', { id: B })], not_found: [] }),
    held(60_000, () => notModified()),
  );
  const client = createClient({ baseUrl: BASE, fetch });
  const seen = [];
  const watch = client.watchJobs([A], (j) => seen.push(j.id));
  await new Promise((r) => setTimeout(r, 50));

  watch.add([B]);
  await new Promise((r) => setTimeout(r, 50));
  watch.stop();
  await watch.done;

  assert.equal(calls[1].aborted, true);
  assert.equal(calls[2].url.searchParams.get('ids'), `${A}:1,${B}`);
  assert.equal(calls[3].url.searchParams.get('ids'), `${A}:1,${B}:1`);
  assert.equal(calls[3].aborted, true);
  assert.deepEqual(seen, [A, B]);
  assert.equal(client.pendingCount, 0);
  assert.ok(noTimersLeft(), process.getActiveResourcesInfo().join());
});

test('watchJobs given jobs it already has holds from their versions at once, without reporting them again', async () => {
  const { fetch, calls } = scripted(
    () => json(200, { jobs: [job(2, 'succeeded', { id: A }), job(1, 'queued', { id: B })], not_found: [] }),
    () => json(200, { jobs: [job(3, 'failed', { id: B })], not_found: [] }),
  );
  const seen = [];

  await createClient({ baseUrl: BASE, fetch }).watchJobs([job(1, 'queued', { id: A }), job(1, 'queued', { id: B })],
    (j) => seen.push(`${j.id.slice(4, 5)}${j.version}`)).done;

  assert.equal(calls[0].url.searchParams.get('ids'), `${A}:1,${B}:1`);
  assert.equal(calls[0].url.searchParams.get('wait'), '25');
  assert.deepEqual(seen, ['A2', 'B3']);
});

test('the module\'s version is the package\'s', async () => {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
  assert.equal(VERSION, pkg.version);
});
