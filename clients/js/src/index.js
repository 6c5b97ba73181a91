// job-gateway's JavaScript client: one ES module, no dependencies, for browsers and Node 18+.
//
// Its surface is the seed article's (submit, getJob, waitJobCompletion), so code written against that article's
// polling client ports with a rename. Underneath it long-polls the gateway with If-None-Match, so every change of a
// job reaches onUpdate once, and it falls back to conditional polling (poll_after_ms, Retry-After, backoff with
// jitter) when the network, the gateway or the read token fail it, switching back once they recover. Every wait
// keeps its request and timer in one map and deletes them however it ends: nothing is left behind.
//
// Where the gateway offers push (AppSync Events' WebSocket protocol, src/push.js) and a WebSocket is at hand, waits
// and watches subscribe to their jobs' channels first and read once, then take each change as it is pushed; they
// go back to the long-polls above, unnoticed by the caller, when push is refused or breaks.

import { PushHub, PushUnavailable, Inbox, SUBPROTOCOL, jobChannel } from './push.js';

/** The gateway version this client is released with (package.json and the gateway's pom move together). */
export const VERSION = '0.1.0';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const DEFAULT_TIMEOUT_MS = 300_000; // the article's 5 minutes
const DEFAULT_MAX_WAIT_S = 25; // the gateway's clamp, below API Gateway's 30 s
const DEFAULT_POLL_MS = 1_500; // the gateway's default poll_after_ms
const DEFAULT_PUSH_READ_EVERY_MS = 20_000; // the gateway's default GATEWAY_FALLBACK_CHECK_AFTER
const MIN_POLL_MS = 250;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 30_000;
const RETRY_AFTER_CAP_MS = 120_000;
/** Past this many seconds of a held read, the client gives up on the connection (a proxy that swallowed it). */
const REQUEST_GRACE_MS = 10_000;
/** A read token with less life than this is "about to expire": refresh it, and poll meanwhile. */
const TOKEN_MARGIN_MS = 30_000;
/** Polls made in a fallback before the client tries a long-poll again (doubles while long-polls keep failing). */
const POLLS_BEFORE_RETRY = 2;
const MAX_BATCH_IDS = 50;

// --- errors ---------------------------------------------------------------------------------------------------

/** Base of every error this client throws (abort aside, which rejects with the signal's own reason). */
export class JobGatewayError extends Error {
  constructor(message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** The gateway answered with an error (problem+json): `status`, `type` (an absolute URI), `title`, `detail`. */
export class ProblemError extends JobGatewayError {
  constructor(status, problem = {}, retryAfterMs = null) {
    super(`${status} ${problem.title ?? 'HTTP error'}${problem.detail ? `: ${problem.detail}` : ''}`);
    this.status = status;
    this.type = problem.type ?? null;
    this.title = problem.title ?? null;
    this.detail = problem.detail ?? null;
    this.problem = problem;
    this.retryAfterMs = retryAfterMs;
  }
}

/** 401: no valid API key or read token (unknown, expired, forged; or a read token where only a key will do). */
export class AuthenticationError extends ProblemError {}

/** 404: no such job, or not one this key or read token may see (the gateway does not say which). */
export class JobNotFoundError extends ProblemError {}

/**
 * `429`: too many requests (API Gateway's throttling, a usage plan's quota). `retryAfter` is the wait the answer
 * asked for in **seconds** (the unit of the `Retry-After` header; null when it named none), `retryAfterMs` the same
 * in ms. Waits and watches ride this out by themselves; it reaches you from submit, cancel, mint and single reads.
 */
export class RateLimitError extends ProblemError {
  constructor(status, problem = {}, retryAfterMs = null) {
    super(status, problem, retryAfterMs);
    this.name = 'RateLimitError';
    this.retryAfter = retryAfterMs === null ? null : Math.ceil(retryAfterMs / 1000);
  }
}

/** The request never got an answer (connection refused or reset, DNS, a held read cut off). */
export class NetworkError extends JobGatewayError {}

/** The job failed: `errorMessage` (the job's `error_message`), `error` (`{source, code, message}`), `source`. */
export class JobFailedError extends JobGatewayError {
  constructor(job) {
    super(`Job failed: ${job.error_message ?? 'no message'}`);
    this.job = job;
    this.jobId = job.id;
    this.errorMessage = job.error_message ?? null;
    this.error = job.error ?? null;
    this.source = job.error?.source ?? null;
    this.code = job.error?.code ?? null;
  }
}

/** The job was cancelled. */
export class JobCancelledError extends JobGatewayError {
  constructor(job) {
    super('Job cancelled');
    this.job = job;
    this.jobId = job.id;
    this.errorMessage = job.error_message ?? null;
    this.error = job.error ?? null;
    this.source = job.error?.source ?? null;
  }
}

/** The wait's own `timeout` passed before the job ended; `job` is the last state seen (or null). */
export class JobTimeoutError extends JobGatewayError {
  constructor(jobId, timeout, job) {
    super(`Waiting for job ${jobId} timed out after ${timeout} ms`);
    this.jobId = jobId;
    this.timeout = timeout;
    this.job = job ?? null;
  }
}

// --- helpers --------------------------------------------------------------------------------------------------

const isTerminal = (job) => TERMINAL.has(job?.status);
/** A succeeded job whose output files are still being copied (output storage on): its `stored` version is next. */
const storing = (job) => job?.output_storage === 'pending';

/** Reads a read token's expiry (`exp`, seconds) without verifying it: only the gateway can, and does. */
export function readTokenExpiry(token) {
  const claims = readTokenClaims(token);
  return typeof claims?.exp === 'number' ? claims.exp * 1000 : null;
}

/** A read token's claims (`sub`, `jobs`, `exp`, ...), unverified; null when it is not a read token. */
export function readTokenClaims(token) {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/** `Retry-After` in ms: delay-seconds or an HTTP date; null when absent or unreadable. */
function retryAfterMs(response, now) {
  const value = response.headers.get('retry-after');
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return Math.min(Number(value) * 1000, RETRY_AFTER_CAP_MS);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.min(Math.max(0, at - now), RETRY_AFTER_CAP_MS);
}

/** Exponential backoff with jitter: a random delay in [half, full] of min(cap, base * 2^(attempt-1)). */
function backoff(attempt, random) {
  const full = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(full / 2 + random() * (full / 2));
}

/** Links a caller's signal to a controller of ours; returns the function that unlinks it. */
function link(signal, controller) {
  if (!signal) return () => {};
  if (signal.aborted) {
    controller.abort(signal.reason);
    return () => {};
  }
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

function abortReason(signal) {
  if (signal.reason !== undefined) return signal.reason;
  const error = new Error('This operation was aborted');
  error.name = 'AbortError';
  return error;
}

function terminalOutcome(job) {
  if (job.status === 'succeeded') return { value: job };
  if (job.status === 'failed') return { error: new JobFailedError(job) };
  return { error: new JobCancelledError(job) };
}

/** Why a response (or its absence) sends a wait to the polling fallback; null when it does not. */
function fallbackReason(outcome) {
  if (outcome.network) return 'network';
  if (outcome.status === 504) return 'gateway-timeout';
  if (outcome.status >= 500) return `http-${outcome.status}`;
  if (outcome.status === 429) return 'rate-limited';
  return null;
}

// --- the client -----------------------------------------------------------------------------------------------

/**
 * A client of one gateway. On a server: `{baseUrl, apiKey}`. In a browser: `{baseUrl, token}` or
 * `{baseUrl, getToken}`, with read tokens your backend got from the gateway (never the API key).
 */
export class JobGatewayClient {
  #baseUrl;
  #apiKey;
  #token;
  #getToken;
  #fetch;
  #maxWait;
  #random;
  #onRequest;
  #onTransport;
  #push;
  /** Every wait and watch in progress, by a key of its own: the article's waitingTasks map. */
  #pending = new Map();
  #nextKey = 1;
  /** Read tokens fetched with getToken, by the ids they cover. */
  #tokens = new Map();

  constructor(options = {}) {
    if (!options.baseUrl) throw new TypeError('baseUrl is required');
    this.#baseUrl = String(options.baseUrl).replace(/\/+$/, '');
    this.#apiKey = options.apiKey ?? null;
    this.#token = options.token ?? null;
    this.#getToken = options.getToken ?? null;
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new TypeError('no fetch available: pass options.fetch');
    this.#fetch = (url, init) => fetchImpl.call(globalThis, url, init);
    this.#maxWait = Math.max(1, Math.min(options.maxWaitSeconds ?? DEFAULT_MAX_WAIT_S, DEFAULT_MAX_WAIT_S));
    this.#random = options.random ?? Math.random;
    this.#onRequest = options.onRequest ?? null;
    this.#onTransport = options.onTransport ?? null;
    /** On push, a read after this long without an event (a lost webhook is found by reads; none is held on push). */
    this.pushReadEveryMs = options.pushReadEveryMs ?? DEFAULT_PUSH_READ_EVERY_MS;
    const WebSocketImpl = options.WebSocket !== undefined ? options.WebSocket : globalThis.WebSocket;
    this.#push = new PushHub({
      discover: () => this.#discoverPush(),
      WebSocket: options.push === false ? null : WebSocketImpl,
    });
    /**
     * Requests sent: `longPolls` held reads, `polls` reads answered at once (first reads and fallback polls),
     * `notModified` 304s, `errors` failed or refused requests; `fallbacks` switches to polling, `resumes` back;
     * `subscriptions` push subscriptions made, `pushed` events they brought, `pushLost` waits and watches that went
     * from push back to long-polls.
     */
    this.stats = { requests: 0, longPolls: 0, polls: 0, notModified: 0, errors: 0, fallbacks: 0, resumes: 0,
      subscriptions: 0, pushed: 0, pushLost: 0 };
  }

  /** Waits and watches in progress. Each holds at most one request and one timer, and leaves none behind. */
  get pendingCount() {
    return this.#pending.size;
  }

  /**
   * Creates a job: `POST /jobs`. Needs the API key (a server-side call). The answer is the job plus `read_token`
   * (scoped to it, short-lived) for the browser.
   */
  async submit(input, { provider, model, idempotencyKey, maxDurationSeconds, signal } = {}) {
    const body = { input };
    if (provider !== undefined) body.provider = provider;
    if (model !== undefined) body.model = model;
    if (maxDurationSeconds !== undefined) body.max_duration_seconds = maxDurationSeconds;
    const headers = { 'Content-Type': 'application/json' };
    if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
    return this.#expect(await this.send('POST', '/jobs', { headers, body, signal, kind: 'submit', auth: 'key' }));
  }

  /** The job now: `GET /jobs/{id}`. */
  async getJob(id, { signal, token } = {}) {
    return this.#expect(await this.send('GET', `/jobs/${encodeURIComponent(id)}`,
      { signal, kind: 'read', auth: token ?? [id] }));
  }

  /** Cancels the job: `POST /jobs/{id}/cancel` (API key only). Answers the job, cancelled or already ended. */
  async cancel(id, { signal } = {}) {
    return this.#expect(await this.send('POST', `/jobs/${encodeURIComponent(id)}/cancel`,
      { signal, kind: 'cancel', auth: 'key' }));
  }

  /**
   * A page of the job's timeline, oldest first: `GET /jobs/{id}/events` → `{job_id, events: [...], next_after}`;
   * pass `next_after` back as `after` for the next page (`null` at the end).
   */
  async events(id, { after, limit, signal, token } = {}) {
    const query = new URLSearchParams();
    if (after !== undefined && after !== null) query.set('after', after);
    if (limit !== undefined) query.set('limit', String(limit));
    const suffix = query.toString() ? `?${query}` : '';
    return this.#expect(await this.send('GET', `/jobs/${encodeURIComponent(id)}/events${suffix}`,
      { signal, kind: 'events', auth: token ?? [id] }));
  }

  /**
   * Mints one read token for these jobs: `POST /read-tokens` (API key only: your backend does this for a list
   * screen). Answers `{read_token, expires_at, job_ids}`.
   */
  async mintReadToken(ids, { ttlSeconds, signal } = {}) {
    const body = { job_ids: [...ids] };
    if (ttlSeconds !== undefined) body.ttl_seconds = ttlSeconds;
    return this.#expect(await this.send('POST', '/read-tokens', {
      headers: { 'Content-Type': 'application/json' }, body, signal, kind: 'mint', auth: 'key',
    }));
  }

  /**
   * Resolves with the job once it `succeeded`; rejects with JobFailedError / JobCancelledError when it ends
   * otherwise, JobTimeoutError after `timeout` ms, the signal's reason when `signal` aborts, and a ProblemError
   * for what no retry can fix (401, 404, other 4xx). `onUpdate(job)` sees every new version, once, in order.
   * `until: 'stored'` (output storage on) goes on past a success whose files are still being copied
   * (`output_storage: pending`) to the version that says where they ended (`stored`, `source_expired`, `failed`).
   */
  waitJobCompletion(id, { timeout = DEFAULT_TIMEOUT_MS, signal, onUpdate, token, until = 'terminal' } = {}) {
    if (until !== 'terminal' && until !== 'stored') {
      return Promise.reject(new TypeError(`until: 'terminal' or 'stored', not ${until}`));
    }
    let last = null;
    const wait = this.#open(signal, timeout, () => new JobTimeoutError(id, timeout, last));
    const auth = token ?? [id];
    const target = `job ${id}`;
    const path = `/jobs/${encodeURIComponent(id)}`;
    const conditional = () => (last ? { 'If-None-Match': `"${last.version}"` } : {});
    const reads = new ReadLoop(this, {
      target,
      auth,
      path: (_, waitSeconds) => `${path}${waitSeconds > 0 ? `?wait=${waitSeconds}` : ''}`,
      headers: conditional,
    });
    /** Takes a version newer than the last; answers true once the job has ended. */
    const take = (job) => {
      if (!job || (last && job.version <= last.version)) return false;
      last = job;
      if (onUpdate) onUpdate(last);
      // until 'stored': a success whose files are still being copied is not the end yet
      return isTerminal(last) && !(until === 'stored' && storing(last));
    };
    const end = () => {
      const outcome = terminalOutcome(last);
      if (outcome.error) throw outcome.error;
      return outcome.value;
    };
    return wait.run(async () => {
      // Push first: subscribe, then read (a change between the two is in the read or in an event), then take the
      // pushed changes; a gap in the versions or an event without the job is a cue to read.
      const feed = new PushFeed(this, target, auth);
      if (await feed.subscribe([id], wait.signal)) {
        try {
          let read = true;
          while (feed.live) {
            if (read) {
              read = false;
              const outcome = await this.send('GET', path,
                { headers: conditional(), signal: wait.signal, kind: 'poll', auth });
              // Anything but news or no news is for the long-polls to handle (they retry, refresh, or throw).
              if (outcome.status !== 200 && outcome.status !== 304) {
                feed.lose(fallbackReason(outcome) ?? `read-${outcome.status}`);
                break;
              }
              if (outcome.status === 200 && take(outcome.body)) return end();
              continue;
            }
            const events = await feed.next(wait.signal);
            if (events.length === 0) read = true; // quiet for pushReadEveryMs (or push lost: the loop ends)
            for (const event of events) {
              if (event.id !== id || (last && event.version <= last.version)) continue;
              if (!event.job || !last || event.version > last.version + 1) read = true;
              else if (take(event.job)) return end();
            }
          }
        } finally {
          feed.close();
        }
      }
      for (;;) {
        const step = await reads.next(wait, last !== null, last?.poll_after_ms);
        if (take(step.body)) return end();
      }
    });
  }

  /**
   * Watches many jobs (a list screen) over the batch long-poll: `onUpdate(job)` once per new version of each
   * job, until every job is terminal or `stop()`. `ids` may hold jobs instead (e.g. submit answers): those are
   * watched from the version they carry, so a screen that drew them is not asked to draw them again. Returns `{done, stop(), add(ids), jobs, notFound}`; `done`
   * resolves with the last state of every job, rejects like waitJobCompletion for what no retry can fix.
   */
  watchJobs(ids, onUpdate, { signal, onNotFound, token } = {}) {
    return new Watch(this, ids, onUpdate, { signal, onNotFound, token });
  }

  /**
   * Submits and waits in one call, on a server (it needs the API key): `submit(input, options)`, then
   * `waitJobCompletion` of the new job with the same options. `onSubmitted(job)` is told the job (and its
   * `read_token`) as soon as the gateway took it, so a caller that gives up (timeout, abort) still has its id; every
   * error thrown after the submit carries it as `jobId`.
   */
  async run(input, options = {}) {
    const { provider, model, idempotencyKey, maxDurationSeconds, signal, onSubmitted } = options;
    const job = await this.submit(input, { provider, model, idempotencyKey, maxDurationSeconds, signal });
    if (onSubmitted) onSubmitted(job);
    const { timeout, onUpdate, until } = options;
    try {
      return await this.waitJobCompletion(job.id, { timeout, signal, onUpdate, until });
    } catch (error) {
      if (error && typeof error === 'object' && error.jobId === undefined) {
        try {
          error.jobId = job.id;
        } catch {
          // a frozen reason (e.g. a primitive's wrapper) keeps its own shape
        }
      }
      throw error;
    }
  }

  /** Ends every wait and watch of this client (e.g. when the page goes away), and its push connection. */
  close() {
    for (const wait of [...this.#pending.values()]) {
      wait.controller.abort(Object.assign(new Error('client closed'), { name: 'AbortError' }));
    }
    this.#push.close();
  }

  /** The push connection open now (one per client, whatever the number of waits and watches), else null. */
  get pushConnection() {
    return this.#push.connection;
  }

  // --- shared with ReadLoop and Watch -------------------------------------------------------------------------

  get maxWait() {
    return this.#maxWait;
  }

  get random() {
    return this.#random;
  }

  get push() {
    return this.#push;
  }

  /** The realtime endpoint the gateway offers (`GET /realtime`, docs/push.md); null when it offers none. */
  async #discoverPush() {
    const outcome = await this.send('GET', '/realtime', { kind: 'discovery', credentials: null });
    if (outcome.network || outcome.status >= 500 || outcome.status === 429) {
      throw new PushUnavailable('discovery-failed', outcome.network?.message ?? `HTTP ${outcome.status}`);
    }
    const offer = outcome.status === 200 ? outcome.body : null;
    if (!offer?.enabled || offer.protocol !== SUBPROTOCOL || !offer.realtime_url) return null;
    const host = new URL(offer.http_endpoint ?? offer.realtime_url).host;
    const prefix = offer.channel_prefix ?? `/${offer.namespace ?? 'jobs'}/`;
    return {
      url: offer.realtime_url,
      channel: (id) => jobChannel(id, prefix),
      headers: (token) => ({ host, Authorization: token }),
    };
  }

  transport(event) {
    if (event.type === 'fallback') this.stats.fallbacks++;
    if (event.type === 'resume') this.stats.resumes++;
    if (this.#onTransport) this.#onTransport(event);
  }

  /**
   * A wait's entry in the pending map. Its controller aborts everything the wait holds (the request in flight,
   * the sleep timer): `run` aborts it and deletes the entry however the wait ends.
   */
  #open(signal, timeout, onTimeout) {
    const key = this.#nextKey++;
    const controller = new AbortController();
    const unlink = link(signal, controller);
    const deadline = Number.isFinite(timeout) ? Date.now() + timeout : Infinity;
    let timedOut = false;
    const deadlineTimer = Number.isFinite(timeout) ? setTimeout(() => {
      timedOut = true;
      controller.abort(onTimeout());
    }, Math.max(0, timeout)) : null;
    const wait = { controller, signal: controller.signal, deadline };
    this.#pending.set(key, wait);
    const pending = this.#pending;
    wait.run = async (body) => {
      try {
        return await body();
      } catch (error) {
        if (controller.signal.aborted && controller.signal.reason !== SETTLED) {
          throw timedOut ? onTimeout() : abortReason(controller.signal);
        }
        throw error;
      } finally {
        clearTimeout(deadlineTimer);
        unlink();
        if (!controller.signal.aborted) controller.abort(SETTLED);
        pending.delete(key);
      }
    };
    return wait;
  }

  /** For Watch: a pending entry like a wait's, without a deadline. */
  open(signal) {
    return this.#open(signal, Infinity, null);
  }

  /** Aborts what a wait or watch holds, as its end does, before it ends. */
  settle(wait) {
    if (!wait.controller.signal.aborted) wait.controller.abort(SETTLED);
  }

  /** Sleeps unless `signal` aborts first; the timer is cleared either way. */
  sleep(signal, ms) {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(abortReason(signal));
        return;
      }
      let timer = null;
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(signal));
      };
      timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * The credentials of a request: the API key (`auth` = 'key'), a given read token (`auth` a string), or a read
   * token covering the ids in `auth` (the client's token, or one from getToken, refreshed when about to expire).
   * Says when the token expires, so that waits can stop short of it.
   */
  async authorization(auth, { refresh = false } = {}) {
    if (typeof auth === 'string' && auth !== 'key') {
      return { header: `Bearer ${auth}`, expiresAt: readTokenExpiry(auth), refreshable: false };
    }
    if (auth === 'key' || (!this.#token && !this.#getToken)) {
      return this.#apiKey ? { header: `Bearer ${this.#apiKey}`, expiresAt: null, refreshable: false } : null;
    }
    if (!this.#getToken) {
      return { header: `Bearer ${this.#token}`, expiresAt: readTokenExpiry(this.#token), refreshable: false };
    }
    const key = [...auth].sort().join(',');
    let cached = this.#tokens.get(key);
    const now = Date.now();
    const expiring = cached && cached.expiresAt !== null && cached.expiresAt - now < TOKEN_MARGIN_MS;
    if (!cached || refresh || (expiring && now >= cached.retryAt)) {
      try {
        const token = await this.#getToken([...auth]);
        cached = { token, expiresAt: readTokenExpiry(token), retryAt: 0 };
        for (const [other, entry] of this.#tokens) {
          if (entry.expiresAt !== null && entry.expiresAt < now) this.#tokens.delete(other);
        }
        this.#tokens.set(key, cached);
      } catch (error) {
        // Without a token there is nothing to read with; with one about to expire, read on with it (polling)
        // and ask again in a while.
        if (!cached || cached.expiresAt <= now) throw error;
        cached.retryAt = now + 5_000;
      }
    }
    return { header: `Bearer ${cached.token}`, expiresAt: cached.expiresAt, refreshable: true };
  }

  /** Drops a cached token (it was refused), so the next request asks getToken again. */
  forgetToken(auth) {
    if (Array.isArray(auth)) this.#tokens.delete([...auth].sort().join(','));
  }

  /**
   * One request. Resolves with `{status, body, etag, retryAfterMs}` for any HTTP answer, or `{network: error}`
   * when there was none; rejects only when `signal` aborted it.
   */
  async send(method, path, { headers = {}, body, signal, kind, auth, credentials, timeoutMs }) {
    const controller = new AbortController();
    const unlink = link(signal, controller);
    let timedOut = false;
    const timer = timeoutMs ? setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs) : null;
    const all = { Accept: 'application/json', ...headers };
    try {
      const using = credentials !== undefined ? credentials : await this.authorization(auth);
      if (using) all.Authorization = using.header;
      this.stats.requests++;
      if (kind === 'long-poll') this.stats.longPolls++;
      if (kind === 'poll') this.stats.polls++;
      if (this.#onRequest) this.#onRequest({ method, path, kind });
      const response = await this.#fetch(this.#baseUrl + path, {
        method, headers: all, body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
      });
      const text = response.status === 304 ? '' : await response.text();
      let parsed = null;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = { detail: text.slice(0, 200) };
        }
      }
      if (response.status === 304) this.stats.notModified++;
      if (response.status >= 400) this.stats.errors++;
      return { status: response.status, body: parsed, etag: response.headers.get('etag'),
        retryAfterMs: retryAfterMs(response, Date.now()) };
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      this.stats.errors++;
      return { network: timedOut ? new NetworkError(`${method} ${path}: no answer within ${timeoutMs} ms`)
        : new NetworkError(`${method} ${path}: ${error?.message ?? error}`, { cause: error }) };
    } finally {
      clearTimeout(timer);
      unlink();
    }
  }

  #expect(outcome) {
    if (outcome.network) throw outcome.network;
    if (outcome.status >= 200 && outcome.status < 300) return outcome.body;
    throw problemError(outcome);
  }
}

const SETTLED = Object.assign(new Error('wait settled'), { name: 'AbortError' });

/**
 * The push side of a wait or a watch: its subscriptions (one per job, all on the client's one connection) and what
 * they bring. `subscribe` says whether push is in use; once it is not (refused, lost) the feed stays off and the
 * caller long-polls. Either way onTransport hears which transport serves the target, and why.
 */
class PushFeed {
  #client;
  #target;
  #auth;
  #inbox = new Inbox();
  #subscriptions = new Map();
  #announced = false;

  constructor(client, target, auth) {
    this.#client = client;
    this.#target = target;
    this.#auth = auth;
    this.live = true;
  }

  /** Subscribes to these jobs' channels; false (having said why) when push cannot serve them. */
  async subscribe(ids, signal) {
    if (!this.live) return false;
    let reason = null;
    try {
      const unavailable = this.#client.push.unavailable();
      if (unavailable) throw unavailable;
      const credentials = await this.#client.authorization(this.#auth);
      const token = credentials?.header?.replace(/^Bearer /, '') ?? null;
      // Only read tokens go to the realtime endpoint: an API key stays between your backend and the gateway.
      if (!readTokenClaims(token)) throw new PushUnavailable('api-key');
      const outcomes = await Promise.allSettled(ids.map((id) => this.#client.push.subscribe(id, token, {
        onData: (event) => this.#inbox.put({ event }),
        onEnd: (why) => this.#inbox.put({ lost: why }),
      })));
      outcomes.forEach((outcome, i) => {
        if (outcome.status === 'fulfilled') {
          this.#subscriptions.set(ids[i], outcome.value);
          this.#client.stats.subscriptions++;
        }
      });
      const refused = outcomes.find((outcome) => outcome.status === 'rejected');
      if (refused) throw refused.reason;
    } catch (error) {
      if (signal.aborted) {
        this.close();
        throw abortReason(signal);
      }
      reason = error instanceof PushUnavailable ? error.reason : 'push-failed';
    }
    if (signal.aborted) {
      this.close();
      throw abortReason(signal);
    }
    if (reason) {
      this.lose(reason);
      return false;
    }
    if (!this.#announced) {
      this.#announced = true;
      this.#client.transport({ type: 'push', transport: 'push', target: this.#target });
    }
    return true;
  }

  /**
   * The events pushed since the last call, waiting for one if there is none yet, at most the client's
   * `pushReadEveryMs`: [] when that passed quietly (time to read: a read is what makes the gateway check with the AI
   * server when a webhook is overdue, and no read is held while on push), and [] once push is lost (`live` false).
   */
  async next(signal) {
    await this.#inbox.ready(signal, this.#client.pushReadEveryMs);
    const events = [];
    for (const item of this.#inbox.drain()) {
      if (item.lost) {
        this.lose(item.lost);
        return [];
      }
      this.#client.stats.pushed++;
      events.push(item.event);
    }
    return events;
  }

  /** No more events for this job (it ended). */
  unsubscribe(id) {
    this.#subscriptions.get(id)?.unsubscribe();
    this.#subscriptions.delete(id);
  }

  /** Push no longer serves this target: long-polls take over. */
  lose(reason) {
    if (!this.live) return;
    const wasOn = this.#announced;
    this.live = false;
    this.close();
    if (wasOn) this.#client.stats.pushLost++;
    this.#client.transport({ type: 'long-poll', transport: 'long-poll', reason, target: this.#target });
  }

  close() {
    for (const subscription of this.#subscriptions.values()) subscription.unsubscribe();
    this.#subscriptions.clear();
  }
}

function problemError(outcome) {
  const problem = outcome.body ?? {};
  if (outcome.status === 401) return new AuthenticationError(401, problem, outcome.retryAfterMs);
  if (outcome.status === 404) return new JobNotFoundError(404, problem, outcome.retryAfterMs);
  if (outcome.status === 429) return new RateLimitError(429, problem, outcome.retryAfterMs);
  return new ProblemError(outcome.status, problem, outcome.retryAfterMs);
}

/**
 * The transport under a wait or a watch: long-polls while they work, conditional polls while they do not. Each
 * `next()` sleeps if it has to, makes one request, and answers `{body}` for news or `{}` for none (a 304, or a
 * failure it will retry); it throws what no retry can fix.
 */
class ReadLoop {
  constructor(client, { target, auth, path, headers }) {
    this.client = client;
    this.target = target;
    this.auth = auth;
    this.path = path;
    this.headers = headers;
    this.mode = 'long-poll';
    this.fallbackReason = null;
    this.failures = 0;
    this.pollsSinceFallback = 0;
    this.longPollFailures = 0;
    this.delay = 0;
    this.refused = false;
  }

  /** Carries the transport's state over to a loop for another id set (a watch whose list changed). */
  inherit(other) {
    for (const field of ['mode', 'fallbackReason', 'failures', 'pollsSinceFallback', 'longPollFailures', 'delay']) {
      this[field] = other[field];
    }
    return this;
  }

  /**
   * @param wait `{signal, deadline}` of the wait or watch
   * @param conditional whether the client holds a version to compare (else the read answers at once)
   */
  async next(wait, conditional, pollAfterMs) {
    const { client } = this;
    if (this.delay > 0) {
      await client.sleep(wait.signal, Math.min(this.delay, Math.max(0, wait.deadline - Date.now())));
      this.delay = 0;
    }
    const remaining = wait.deadline - Date.now();
    const credentials = await client.authorization(this.auth, { refresh: this.refused });
    const tokenLeft = credentials?.expiresAt == null ? Infinity : credentials.expiresAt - Date.now();
    if (this.mode === 'long-poll' && tokenLeft < TOKEN_MARGIN_MS) this.#fallBack('token-expiring');
    if (this.mode === 'poll' && this.#mayResume(tokenLeft)) {
      this.mode = 'long-poll';
      client.transport({ type: 'resume', transport: 'long-poll', target: this.target });
    }

    const holding = this.mode === 'long-poll' && conditional;
    const waitSeconds = holding ? Math.max(1, Math.min(client.maxWait, Math.floor(remaining / 1000))) : 0;
    const outcome = await client.send('GET', this.path(conditional, waitSeconds), {
      headers: this.headers(), signal: wait.signal, kind: holding ? 'long-poll' : 'poll', credentials,
      timeoutMs: waitSeconds * 1000 + REQUEST_GRACE_MS,
    });

    const reason = fallbackReason(outcome);
    if (reason) {
      this.failures++;
      if (this.mode === 'long-poll') {
        this.longPollFailures++;
        this.#fallBack(reason);
      }
      this.delay = Math.max(backoff(this.failures, client.random), outcome.retryAfterMs ?? 0);
      return {};
    }
    if (outcome.status === 401 && credentials?.refreshable && !this.refused) {
      // Refused before its time (keys rotated, clocks apart): ask getToken for a new token, once.
      client.forgetToken(this.auth);
      this.refused = true;
      return {};
    }
    if (outcome.status !== 200 && outcome.status !== 304) throw problemError(outcome);

    this.refused = false;
    this.failures = 0;
    if (holding) this.longPollFailures = 0;
    if (this.mode === 'poll') {
      this.pollsSinceFallback++;
      const hint = outcome.body?.poll_after_ms ?? pollAfterMs ?? DEFAULT_POLL_MS;
      // A little jitter, so that clients that fell back together do not poll in step.
      this.delay = Math.max(MIN_POLL_MS, hint) + Math.round(client.random() * 100);
    }
    return outcome.status === 304 ? {} : { body: outcome.body };
  }

  #fallBack(reason) {
    if (this.mode === 'poll') return;
    this.mode = 'poll';
    this.fallbackReason = reason;
    this.pollsSinceFallback = 0;
    this.client.transport({ type: 'fallback', transport: 'poll', reason, target: this.target });
  }

  /** Back to long-polls after a few good polls (more after each long-poll that failed again), token allowing. */
  #mayResume(tokenLeft) {
    if (tokenLeft < TOKEN_MARGIN_MS || this.failures > 0) return false;
    // Polling only for want of a token: the new one is here.
    if (this.fallbackReason === 'token-expiring' && this.longPollFailures === 0) return true;
    return this.pollsSinceFallback >= POLLS_BEFORE_RETRY * 2 ** Math.min(4, Math.max(0, this.longPollFailures - 1));
  }
}

/** A list screen's view of many jobs: one batch long-poll per 50 of them. */
class Watch {
  #client;
  #onUpdate;
  #onNotFound;
  #token;
  #wait;
  #jobs = new Map();
  #order = [];
  #chunks = [];
  #stopped = false;
  #settle = null;

  constructor(client, ids, onUpdate, { signal, onNotFound, token }) {
    this.#client = client;
    this.#onUpdate = onUpdate ?? null;
    this.#onNotFound = onNotFound ?? null;
    this.#token = token ?? null;
    this.#wait = client.open(signal);
    /** Ids the gateway does not know, or will not show to this key or token. */
    this.notFound = [];
    this.done = this.#wait.run(() => new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
      this.add(ids);
      this.#checkDone();
    }));
  }

  /** Every job's last state, in the order the ids were given. */
  get jobs() {
    return this.#order.filter((id) => this.#jobs.has(id)).map((id) => this.#jobs.get(id));
  }

  /**
   * Adds jobs (a list that grows): ids, whose first state comes as an update, or jobs the caller has (e.g. the
   * submit's answers), watched from their version on.
   */
  add(ids) {
    if (this.#stopped) return;
    const started = [];
    const grown = new Set();
    for (const entry of ids) {
      // A job the caller already has (a submit's answer) is watched from its version on, without an update.
      const id = typeof entry === 'string' ? entry : entry.id;
      if (this.#order.includes(id)) continue;
      this.#order.push(id);
      if (typeof entry === 'object' && typeof entry.version === 'number') this.#jobs.set(id, entry);
      let chunk = this.#chunks.find((c) => !c.finished && c.ids.length < MAX_BATCH_IDS);
      if (!chunk) {
        chunk = { ids: [], finished: false, restart: null, running: null };
        this.#chunks.push(chunk);
        started.push(chunk);
      }
      chunk.ids.push(id);
      grown.add(chunk);
    }
    for (const chunk of grown) {
      if (!started.includes(chunk)) chunk.restart?.abort(); // reissue its held read with the new ids in it
    }
    for (const chunk of started) chunk.running = this.#run(chunk);
  }

  /** Ends the watch; `done` resolves with the jobs as last seen, once no request or timer is left. */
  stop() {
    this.#finish(() => this.#settle.resolve(this.jobs));
  }

  /** Ends every chunk's loop, waits until each has let go of its request and timer, then settles. */
  #finish(settle) {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#client.settle(this.#wait);
    Promise.allSettled(this.#chunks.map((c) => c.running)).then(settle);
  }

  #checkDone() {
    if (this.#chunks.every((c) => c.finished)) this.#finish(() => this.#settle.resolve(this.jobs));
  }

  async #run(chunk) {
    try {
      await this.#pushLoop(chunk);
      await this.#loop(chunk);
      chunk.finished = true;
    } catch (error) {
      if (this.#stopped) return;
      // The signal's reason if the caller aborted, else what no retry fixes.
      const reason = this.#wait.signal.aborted ? abortReason(this.#wait.signal) : error;
      this.#finish(() => this.#settle.reject(reason));
      return;
    }
    queueMicrotask(() => this.#checkDone());
  }

  /** The jobs of a chunk that are still to be watched. */
  #live(chunk) {
    return chunk.ids.filter((id) => !isTerminal(this.#jobs.get(id)) && !this.notFound.includes(id));
  }

  /**
   * The chunk on push: subscribes to each job (on the client's one connection), reads the jobs once, then takes
   * each pushed change; a version gap or an event without the job is read. Returns when every job has ended, or
   * when push cannot serve the chunk (refused, lost, a read failed): #loop carries on from what is known.
   */
  async #pushLoop(chunk) {
    const watch = this.#wait;
    const feed = new PushFeed(this.#client, `${chunk.ids.length} job(s)`, this.#token ?? [...chunk.ids]);
    const subscribed = new Set();
    const toRead = new Set();
    try {
      while (!this.#stopped && feed.live) {
        const ids = this.#live(chunk);
        if (ids.length === 0) return;
        const fresh = ids.filter((id) => !subscribed.has(id));
        if (fresh.length) {
          // Subscribed first, read after: a change in between is in the read or in an event.
          if (!(await feed.subscribe(fresh, watch.signal))) return;
          for (const id of fresh) {
            subscribed.add(id);
            toRead.add(id);
          }
          continue;
        }
        if (toRead.size) {
          const reading = ids.filter((id) => toRead.has(id));
          toRead.clear();
          if (reading.length === 0) continue;
          const outcome = await this.#client.send('GET', `/jobs?ids=${this.#idsParam(reading)}`, {
            signal: watch.signal, kind: 'poll', auth: this.#token ?? [...chunk.ids],
          });
          if (outcome.status !== 200 && outcome.status !== 304) {
            feed.lose(fallbackReason(outcome) ?? `read-${outcome.status}`);
            return;
          }
          if (outcome.status === 200) this.#take(outcome.body);
          continue;
        }
        // Until an event comes, or add() brings more jobs to subscribe to.
        const restart = new AbortController();
        const unlink = link(watch.signal, restart);
        chunk.restart = restart;
        let events;
        try {
          events = await feed.next(restart.signal);
        } catch (error) {
          if (restart.signal.aborted && !watch.signal.aborted && !this.#stopped) continue;
          throw error;
        } finally {
          unlink();
          chunk.restart = null;
        }
        if (events.length === 0) {
          // Quiet for pushReadEveryMs: one read of the jobs not ended (it lets the gateway check an overdue one).
          for (const id of subscribed) if (!isTerminal(this.#jobs.get(id))) toRead.add(id);
        }
        for (const event of events) {
          const known = this.#jobs.get(event.id);
          if (!subscribed.has(event.id) || (known && event.version <= known.version)) continue;
          if (!event.job || !known || event.version > known.version + 1) toRead.add(event.id);
          else this.#take({ jobs: [event.job] });
        }
        for (const id of subscribed) {
          if (isTerminal(this.#jobs.get(id))) feed.unsubscribe(id);
        }
      }
    } finally {
      feed.close();
    }
  }

  /** Takes what a read (or an event) brought: each job's newer version, each id not found. */
  #take(body) {
    for (const job of body?.jobs ?? []) {
      const known = this.#jobs.get(job.id);
      if (!known || job.version > known.version) {
        this.#jobs.set(job.id, job);
        if (this.#onUpdate) this.#onUpdate(job);
      }
    }
    for (const id of body?.not_found ?? []) {
      if (!this.notFound.includes(id) && !this.#jobs.has(id)) {
        this.notFound.push(id);
        if (this.#onNotFound) this.#onNotFound(id);
      }
    }
  }

  async #loop(chunk) {
    const watch = this.#wait;
    let reads = null;
    let readIds = '';
    while (!this.#stopped) {
      const ids = this.#live(chunk);
      if (ids.length === 0) return;
      if (!reads || ids.join(',') !== readIds) {
        // Another id set: a new URL, the same transport state. The token covers every id of the chunk, so a
        // job that ends does not cost a new one.
        const previous = reads;
        reads = new ReadLoop(this.#client, {
          target: `${ids.length} job(s)`,
          auth: this.#token ?? [...chunk.ids],
          path: (conditional, waitSeconds) => `/jobs?ids=${this.#idsParam(ids)}${waitSeconds > 0 ? `&wait=${waitSeconds}` : ''}`,
          headers: () => ({}),
        });
        if (previous) reads.inherit(previous);
        readIds = ids.join(',');
      }
      // One request at a time, on a signal that add() can abort to reissue it; the watch's own signal ends all.
      const restart = new AbortController();
      const unlink = link(watch.signal, restart);
      chunk.restart = restart;
      let step;
      try {
        step = await reads.next({ signal: restart.signal, deadline: Infinity },
          ids.every((id) => this.#jobs.has(id)), this.#pollAfter(ids));
      } catch (error) {
        if (restart.signal.aborted && !watch.signal.aborted && !this.#stopped) continue;
        throw error;
      } finally {
        unlink();
        chunk.restart = null;
      }
      if (step.body) this.#take(step.body);
    }
  }

  /** `id:version` for jobs whose version the watch holds (the gateway answers 304 while none moves), else `id`. */
  #idsParam(ids) {
    return ids.map((id) => {
      const job = this.#jobs.get(id);
      return job ? `${encodeURIComponent(id)}:${job.version}` : encodeURIComponent(id);
    }).join(',');
  }

  #pollAfter(ids) {
    const hints = ids.map((id) => this.#jobs.get(id)?.poll_after_ms).filter((v) => typeof v === 'number');
    return hints.length ? Math.min(...hints) : DEFAULT_POLL_MS;
  }
}

/** Same as `new JobGatewayClient(options)`. */
export function createClient(options) {
  return new JobGatewayClient(options);
}
