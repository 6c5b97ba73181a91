// run(), the rate-limit error and waits that stop at `stored`, against a scripted fetch (no gateway needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createClient, RateLimitError, ProblemError, JobTimeoutError, JobFailedError } from '../src/index.js';

const BASE = 'http://gateway.test';
const ID = 'job_BBBBBBBBBBBBBBBBBBBBBB';

function job(version, status, extra = {}) {
  const terminal = ['succeeded', 'failed', 'cancelled'].includes(status);
  return {
    id: ID, status, provider: 'generic', model: null, queue_position: null, input: { prompt: 'x' },
    output: status === 'succeeded' ? { images: [{ url: 'https://ai.test/a.png' }] } : null,
    output_storage: null, output_files: null, progress: null, error_message: null, error: null,
    completed_via: terminal ? 'webhook' : null, delivery: { state: 'awaiting_webhook', webhooks_received: 0 }, version,
    created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', completed_at: null,
    poll_after_ms: terminal ? null : 50, ...extra,
  };
}

const json = (status, body, headers = {}) => new Response(JSON.stringify(body),
  { status, headers: { 'Content-Type': 'application/json', ...headers } });

function scripted(...handlers) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url: new URL(url), init });
    const handler = handlers.shift();
    if (!handler) throw new Error(`unscripted request ${url}`);
    return handler();
  };
  return { fetch, calls };
}

test('run submits with the API key, waits on the same job and resolves with its success', async () => {
  const { fetch, calls } = scripted(
    () => json(202, { ...job(1, 'queued'), read_token: 'rt', read_token_expires_at: '2026-01-01T00:15:00Z' }),
    () => json(200, job(2, 'running')),
    () => json(200, job(3, 'succeeded')),
  );
  const submitted = [];
  const client = createClient({ baseUrl: BASE, apiKey: 'secret', fetch });

  const done = await client.run({ prompt: 'x' }, { provider: 'generic', onSubmitted: (j) => submitted.push(j.id) });

  assert.equal(done.status, 'succeeded');
  assert.deepEqual(submitted, [ID]);
  assert.equal(calls[0].init.method, 'POST');
  assert.equal(calls[0].url.pathname, '/jobs');
  assert.deepEqual(JSON.parse(calls[0].init.body), { input: { prompt: 'x' }, provider: 'generic' });
  for (const call of calls) assert.equal(call.init.headers.Authorization, 'Bearer secret');
  assert.ok(calls.slice(1).every((call) => call.url.pathname === `/jobs/${ID}`));
  assert.equal(client.pendingCount, 0);
});

test('run keeps the job id on what it throws after the submit: a timeout, a failure', async () => {
  const slow = scripted(
    () => json(202, job(1, 'queued')),
    ...Array.from({ length: 50 }, () => () => new Promise((resolve) => setTimeout(() => resolve(json(200, job(1, 'queued'))), 20))),
  );
  const timedOut = await createClient({ baseUrl: BASE, apiKey: 'k', fetch: slow.fetch })
    .run({}, { timeout: 60 }).catch((error) => error);
  assert.ok(timedOut instanceof JobTimeoutError);
  assert.equal(timedOut.jobId, ID);

  const failing = scripted(() => json(202, job(1, 'queued')),
    () => json(200, job(2, 'failed', { error: { source: 'upstream_lost', code: 'prompt_lost', message: 'gone' } })));
  const failed = await createClient({ baseUrl: BASE, apiKey: 'k', fetch: failing.fetch }).run({}).catch((e) => e);
  assert.ok(failed instanceof JobFailedError);
  assert.equal(failed.jobId, ID);
  assert.equal(failed.source, 'upstream_lost');
});

test('a 429 is a RateLimitError with retryAfter in seconds, from the header in seconds or as a date', async () => {
  const { fetch } = scripted(
    () => json(429, { message: 'Too Many Requests' }, { 'Retry-After': '7' }),
    () => json(429, { message: 'Too Many Requests' }, { 'Retry-After': new Date(Date.now() + 3_000).toUTCString() }),
    () => json(429, { message: 'Too Many Requests' }),
  );
  const client = createClient({ baseUrl: BASE, apiKey: 'k', fetch });

  const seconds = await client.submit({}).catch((error) => error);
  assert.ok(seconds instanceof RateLimitError);
  assert.ok(seconds instanceof ProblemError);
  assert.equal(seconds.status, 429);
  assert.equal(seconds.retryAfter, 7);
  assert.equal(seconds.retryAfterMs, 7_000);

  const date = await client.submit({}).catch((error) => error);
  assert.ok(date instanceof RateLimitError);
  assert.ok(date.retryAfter >= 1 && date.retryAfter <= 3, `retryAfter ${date.retryAfter}`);

  const none = await client.submit({}).catch((error) => error);
  assert.ok(none instanceof RateLimitError);
  assert.equal(none.retryAfter, null);
});

test("until 'stored' waits past a success whose files are being copied; the default settles at the success", async () => {
  const pending = job(3, 'succeeded', { output_storage: 'pending' });
  const stored = job(4, 'succeeded', { output_storage: 'stored',
    output: { images: [{ url: 'https://bucket.test/copy.png' }] } });

  const terminal = scripted(() => json(200, pending));
  const first = await createClient({ baseUrl: BASE, apiKey: 'k', fetch: terminal.fetch }).waitJobCompletion(ID);
  assert.equal(first.version, 3);
  assert.equal(terminal.calls.length, 1);

  const storing = scripted(() => json(200, pending), () => json(200, stored));
  const seen = [];
  const last = await createClient({ baseUrl: BASE, apiKey: 'k', fetch: storing.fetch })
    .waitJobCompletion(ID, { until: 'stored', onUpdate: (j) => seen.push(j.output_storage) });
  assert.equal(last.version, 4);
  assert.equal(last.output.images[0].url, 'https://bucket.test/copy.png');
  assert.deepEqual(seen, ['pending', 'stored']);
  assert.equal(storing.calls[1].init.headers['If-None-Match'], '"3"');

  const wrong = await createClient({ baseUrl: BASE, apiKey: 'k', fetch: storing.fetch })
    .waitJobCompletion(ID, { until: 'store' }).catch((error) => error);
  assert.ok(wrong instanceof TypeError);
});

test("until 'stored' settles on a success without storage and on a failure, as 'terminal' does", async () => {
  const { fetch, calls } = scripted(() => json(200, job(2, 'succeeded')),
    () => json(200, job(2, 'cancelled')));
  const client = createClient({ baseUrl: BASE, apiKey: 'k', fetch });
  assert.equal((await client.waitJobCompletion(ID, { until: 'stored' })).status, 'succeeded');
  await assert.rejects(client.waitJobCompletion(ID, { until: 'stored' }));
  assert.equal(calls.length, 2);
});
