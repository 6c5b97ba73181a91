// Next.js route kit of job-gateway's JavaScript client: `@job-gateway/client/next`. Server-side only: the API key
// stays in the route handlers; the browser gets jobs and read tokens scoped to them, never the key.
//
// The handlers are plain Web `Request -> Response` functions, as App Router route handlers (and any other Fetch
// API server: Remix, Hono, Deno, Bun) take them:
//
//   // app/api/jobs/route.js
//   import { createJobRoutes } from '@job-gateway/client/next';
//   const routes = createJobRoutes({ gatewayUrl: process.env.GATEWAY_URL, apiKey: process.env.GATEWAY_API_KEY,
//     authorize: async (request, action) => Boolean(await currentUser(request)) });
//   export const POST = routes.submit;             // app/api/read-tokens/route.js: export const POST = routes.readTokens;

import { createClient, ProblemError, NetworkError } from './index.js';

const MAX_BODY_BYTES = 256 * 1024;
const MAX_TOKEN_JOBS = 50;

/** A problem+json answer of the route kit itself (the gateway's own problems are passed through as they are). */
function problem(status, title, detail, extraHeaders = {}) {
  return new Response(JSON.stringify({ type: 'about:blank', title, status, detail }), {
    status, headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store', ...extraHeaders },
  });
}

function json(status, body) {
  return new Response(JSON.stringify(body), {
    status, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
  });
}

/** The request's JSON object body, or a problem Response. */
async function readBody(request) {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    return { refused: problem(415, 'Unsupported Media Type', 'Send the body as application/json.') };
  }
  const text = await request.text();
  if (new TextEncoder().encode(text).length > MAX_BODY_BYTES) {
    return { refused: problem(413, 'Content Too Large', `The body exceeds ${MAX_BODY_BYTES} bytes.`) };
  }
  try {
    const body = JSON.parse(text);
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new TypeError('not an object');
    return { body };
  } catch {
    return { refused: problem(400, 'Bad Request', 'The body is not a JSON object.') };
  }
}

/** What the gateway said, as the browser should see it: its problem (and Retry-After) kept, never a 500. */
function failure(error) {
  if (error instanceof ProblemError) {
    const headers = { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' };
    if (error.retryAfterMs !== null) headers['Retry-After'] = String(Math.ceil(error.retryAfterMs / 1000));
    // The route's own key refused is this server's misconfiguration, not the browser's: say so without detail.
    if (error.status === 401 || error.status === 403) {
      return problem(502, 'Bad Gateway', 'The job gateway refused this server\'s API key.');
    }
    return new Response(JSON.stringify(error.problem), { status: error.status, headers });
  }
  if (error instanceof NetworkError) return problem(502, 'Bad Gateway', 'The job gateway could not be reached.');
  throw error;
}

/**
 * Asks `authorize(request, action)`: true (or an object, e.g. the user) allows, false or null refuses with 403, a
 * Response is answered as it is (e.g. your own 401), a throw is the app's error.
 */
async function check(authorize, request, action) {
  const verdict = await authorize(request, action);
  if (verdict instanceof Response) return verdict;
  if (!verdict) return problem(403, 'Forbidden', `Not allowed to ${action.type === 'submit' ? 'submit jobs' : 'read these jobs'}.`);
  return null;
}

/**
 * Route handlers for the app's own backend. `options`:
 * - `gatewayUrl`, `apiKey` (server-side only: never `NEXT_PUBLIC_*`);
 * - `authorize(request, action)`: required. `action` is `{type: 'submit', provider, model, input}` or
 *   `{type: 'read', jobIds}`: the place to check the user, their quota, that the jobs are theirs;
 * - `providers`: the providers the browser may choose (default: any the gateway has);
 * - `readTokenTtlSeconds`: the life of minted tokens (the gateway's default without it);
 * - `fetch`: another fetch (tests).
 *
 * Returns `{ submit, readTokens, POST }`: `submit` takes `{input, provider?, model?, idempotency_key?}` and answers
 * the gateway's job with its `read_token`; `readTokens` takes `{job_ids}` and answers `{read_token, expires_at,
 * job_ids}`; `POST` is both on one catch-all route (a path ending in `/read-tokens` mints, any other submits).
 */
export function createJobRoutes({ gatewayUrl, apiKey, authorize, providers, readTokenTtlSeconds, fetch } = {}) {
  if (!gatewayUrl) throw new TypeError('createJobRoutes: gatewayUrl is required');
  if (!apiKey) throw new TypeError('createJobRoutes: apiKey is required (a server-side secret)');
  if (typeof authorize !== 'function') {
    throw new TypeError('createJobRoutes: authorize(request, action) is required: decide who may submit and read');
  }
  const gateway = createClient({ baseUrl: gatewayUrl, apiKey, fetch });
  const allowed = providers ? new Set(providers) : null;

  async function submit(request) {
    if (request.method !== 'POST') return problem(405, 'Method Not Allowed', 'POST a job.', { Allow: 'POST' });
    const { body, refused } = await readBody(request);
    if (refused) return refused;
    const { input, provider, model } = body;
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      return problem(400, 'Bad Request', '`input` must be a JSON object.');
    }
    for (const [name, value] of [['provider', provider], ['model', model], ['idempotency_key', body.idempotency_key]]) {
      if (value !== undefined && typeof value !== 'string') return problem(400, 'Bad Request', `\`${name}\` must be a string.`);
    }
    if (allowed && !allowed.has(provider ?? '')) {
      return problem(400, 'Bad Request', `\`provider\` must be one of: ${[...allowed].join(', ')}.`);
    }
    const denied = await check(authorize, request, { type: 'submit', provider: provider ?? null, model: model ?? null, input });
    if (denied) return denied;
    try {
      const job = await gateway.submit(input, { provider, model, idempotencyKey: body.idempotency_key,
        signal: request.signal });
      return json(202, job);
    } catch (error) {
      return failure(error);
    }
  }

  async function readTokens(request) {
    if (request.method !== 'POST') {
      return problem(405, 'Method Not Allowed', 'POST {job_ids}.', { Allow: 'POST' });
    }
    const { body, refused } = await readBody(request);
    if (refused) return refused;
    const ids = body.job_ids;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_TOKEN_JOBS
        || !ids.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 200)) {
      return problem(400, 'Bad Request', `\`job_ids\` must be 1 to ${MAX_TOKEN_JOBS} job ids.`);
    }
    const jobIds = [...new Set(ids)];
    const denied = await check(authorize, request, { type: 'read', jobIds });
    if (denied) return denied;
    try {
      return json(200, await gateway.mintReadToken(jobIds, { ttlSeconds: readTokenTtlSeconds, signal: request.signal }));
    } catch (error) {
      return failure(error);
    }
  }

  function POST(request) {
    return new URL(request.url).pathname.replace(/\/+$/, '').endsWith('/read-tokens')
      ? readTokens(request) : submit(request);
  }

  return { submit, readTokens, POST };
}
