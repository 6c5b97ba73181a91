// The Next.js route kit (src/next.js): Web Request -> Response handlers. What it refuses by itself is tested
// without a gateway (a fetch that fails the test if called proves nothing was sent); what it passes on is tested
// against the real gateway (JsClientIT's), which must see the API key, while the browser never does.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createJobRoutes } from '../src/next.js';
import { createClient } from '../src/index.js';

const GATEWAY = process.env.GATEWAY_URL;
const KEY = process.env.GATEWAY_API_KEY;
const skip = GATEWAY ? false : 'GATEWAY_URL is not set: run through ./mvnw verify (JsClientIT)';

const APP = 'http://app.example.test';
const post = (path, body, headers = { 'Content-Type': 'application/json' }) => new Request(APP + path, {
  method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** Routes whose gateway must never be called. */
function offline(authorize = () => true, extra = {}) {
  return createJobRoutes({
    gatewayUrl: 'http://gateway.invalid', apiKey: 'secret-key', authorize, ...extra,
    fetch: () => assert.fail('nothing should reach the gateway'),
  });
}

test('createJobRoutes needs the gateway, the key, and an authorize decision', () => {
  assert.throws(() => createJobRoutes({ apiKey: 'k', authorize: () => true }), /gatewayUrl/);
  assert.throws(() => createJobRoutes({ gatewayUrl: 'http://g', authorize: () => true }), /apiKey/);
  assert.throws(() => createJobRoutes({ gatewayUrl: 'http://g', apiKey: 'k' }), /authorize/);
});

test('a refused submit or read-token request answers 403 problem+json and sends nothing to the gateway', async () => {
  const seen = [];
  const routes = offline((request, action) => {
    seen.push(action);
    return false;
  });
  const submit = await routes.submit(post('/api/jobs', { input: { prompt: 'x' }, provider: 'fal' }));
  assert.equal(submit.status, 403);
  assert.equal(submit.headers.get('content-type'), 'application/problem+json');
  const mint = await routes.readTokens(post('/api/read-tokens', { job_ids: ['a', 'b', 'a'] }));
  assert.equal(mint.status, 403);
  assert.deepEqual(seen, [
    { type: 'submit', provider: 'fal', model: null, input: { prompt: 'x' } },
    { type: 'read', jobIds: ['a', 'b'] },
  ]);
});

test('authorize may answer a Response of its own (e.g. 401 for a signed-out user)', async () => {
  const routes = offline(() => new Response('sign in', { status: 401 }));
  const answer = await routes.submit(post('/api/jobs', { input: {} }));
  assert.equal(answer.status, 401);
  assert.equal(await answer.text(), 'sign in');
});

test('bad requests are 4xx problems, never sent on: method, media type, JSON, input, job ids, providers', async () => {
  const routes = offline(() => true, { providers: ['generic', 'fal'] });
  const cases = [
    [await routes.submit(new Request(APP + '/api/jobs')), 405],
    [await routes.submit(post('/api/jobs', { input: {} }, { 'Content-Type': 'text/plain' })), 415],
    [await routes.submit(post('/api/jobs', '{"input":')), 400],
    [await routes.submit(post('/api/jobs', '[1]')), 400],
    [await routes.submit(post('/api/jobs', { input: 'a string' })), 400],
    [await routes.submit(post('/api/jobs', { input: {}, provider: 7 })), 400],
    [await routes.submit(post('/api/jobs', { input: {}, provider: 'replicate' })), 400],
    [await routes.submit(post('/api/jobs', { input: { p: 'x'.repeat(300_000) } })), 413],
    [await routes.readTokens(post('/api/read-tokens', { job_ids: [] })), 400],
    [await routes.readTokens(post('/api/read-tokens', { job_ids: 'a' })), 400],
    [await routes.readTokens(post('/api/read-tokens', { job_ids: Array.from({ length: 51 }, (_, i) => `j${i}`) })), 400],
    [await routes.readTokens(post('/api/read-tokens', { job_ids: [3] })), 400],
  ];
  for (const [answer, status] of cases) {
    assert.equal(answer.status, status, await answer.clone().text());
    assert.equal(answer.headers.get('content-type'), 'application/problem+json');
  }
});

test('through the routes: a submit answers the job and its read token, and a minted token reads the jobs', { skip }, async () => {
  const routes = createJobRoutes({ gatewayUrl: GATEWAY, apiKey: KEY, authorize: () => ({ user: 'u1' }) });
  const answer = await routes.POST(post('/api/jobs', { input: { prompt: 'through next', simulate: { duration_ms: 300 } },
    provider: 'generic' }));
  assert.equal(answer.status, 202);
  const text = await answer.text();
  assert.ok(!text.includes(KEY), 'the API key never reaches the browser');
  const job = JSON.parse(text);
  assert.ok(job.id && job.read_token);

  const minted = await routes.POST(post('/api/read-tokens/', { job_ids: [job.id] }));
  assert.equal(minted.status, 200);
  const token = await minted.json();
  assert.deepEqual(token.job_ids, [job.id]);
  const browser = createClient({ baseUrl: GATEWAY, token: token.read_token });
  assert.equal((await browser.waitJobCompletion(job.id, { timeout: 30_000 })).status, 'succeeded');
});

test('the gateway\'s own problems pass through, and a refused server key is a 502 that says nothing of it', { skip }, async () => {
  const routes = createJobRoutes({ gatewayUrl: GATEWAY, apiKey: KEY, authorize: () => true });
  const unknown = await routes.submit(post('/api/jobs', { input: {}, provider: 'no-such-provider' }));
  assert.ok(unknown.status >= 400 && unknown.status < 500, `status ${unknown.status}`);
  assert.match(unknown.headers.get('content-type'), /problem\+json/);

  const wrongKey = createJobRoutes({ gatewayUrl: GATEWAY, apiKey: 'not-the-key', authorize: () => true });
  const refused = await wrongKey.submit(post('/api/jobs', { input: {} }));
  assert.equal(refused.status, 502);
  assert.ok(!(await refused.text()).includes('not-the-key'));

  const unreachable = createJobRoutes({ gatewayUrl: 'http://127.0.0.1:9', apiKey: KEY, authorize: () => true });
  assert.equal((await unreachable.readTokens(post('/api/read-tokens', { job_ids: ['x'] }))).status, 502);
});
