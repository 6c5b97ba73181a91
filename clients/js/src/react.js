// React hooks of job-gateway's JavaScript client: `@job-gateway/client/react`. React is a peer dependency of this
// entry only; the main entry stays dependency-free.
//
// The hooks ride on the client's public waits (waitJobCompletion for one job, watchJobs for a list), so they use
// whatever transport the client has (long-polls today, push where it is on). On top of the waits they add what a
// component needs: state to render, one settle per job, nothing left running after a job ended, after the
// component unmounted, or while the tab is hidden; and nothing but the job id to start from (a reload resumes).

import { useEffect, useRef, useState } from 'react';

import { createClient, JobFailedError, JobCancelledError } from './index.js';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** Whether the job has ended (succeeded, failed or cancelled): its state will not change again. */
export function isTerminal(job) {
  return Boolean(job) && TERMINAL.has(job.status);
}

/**
 * The output file URLs of a job, for thumbnails: the stored copies' when output storage has them, else every
 * http(s) or `data:` URL in the output, in document order (a Replicate URL or list, fal's `images[].url`,
 * RunPod's and ComfyUI's `images[].url`, Cog's list).
 */
export function outputUrls(job) {
  if (!job) return [];
  const stored = (job.output_files ?? []).map((file) => file.url).filter(Boolean);
  if (stored.length) return stored;
  const urls = [];
  const walk = (value) => {
    if (typeof value === 'string') {
      if (/^(https?:|data:)/i.test(value)) urls.push(value);
    } else if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (value && typeof value === 'object') {
      Object.values(value).forEach(walk);
    }
  };
  walk(job.output);
  return urls;
}

/**
 * A `getToken` for the client that asks your backend for read tokens: POSTs `{job_ids}` to `endpoint` (e.g. the
 * route of `@job-gateway/client/next`'s `readTokens`) and answers its `read_token`.
 */
export function readTokensFrom(endpoint, init = {}) {
  return async (jobIds) => {
    const response = await fetch(endpoint, {
      ...init,
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(init.headers ?? {}) },
      body: JSON.stringify({ job_ids: jobIds }),
    });
    if (!response.ok) throw new Error(`read token: ${endpoint} answered ${response.status}`);
    return (await response.json()).read_token;
  };
}

// --- visibility -------------------------------------------------------------------------------------------------

/** Whether the page is hidden now (a background tab); never in Node or where there is no document. */
function hidden() {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden';
}

/** Calls `onChange(hidden)` when the page is hidden or shown again; returns the unsubscribe. */
function onVisibility(onChange) {
  if (typeof document === 'undefined' || typeof document.addEventListener !== 'function') return () => {};
  const listener = () => onChange(hidden());
  document.addEventListener('visibilitychange', listener);
  return () => document.removeEventListener('visibilitychange', listener);
}

/**
 * Ties an observer to the page and the caller: paused while the page is hidden (unless `pauseWhenHidden` is false),
 * closed when the caller's signal aborts. Returns the unsubscribe from the page's visibility.
 */
function bindLifecycle(observer, { pauseWhenHidden, signal }) {
  if (signal && !signal.aborted) signal.addEventListener('abort', () => observer.close(), { once: true });
  if (pauseWhenHidden === false) return () => {};
  return onVisibility((isHidden) => (isHidden ? observer.pause() : observer.resume()));
}

function abortError(message) {
  return Object.assign(new Error(message), { name: 'AbortError' });
}

// --- the observers: framework-free, one per hook --------------------------------------------------------------

/**
 * One job followed to its end: the state a component renders, its changes reported through `emit`. Starts and
 * pauses the client's wait; after the job ended (or a refusal no retry fixes) it sends nothing more.
 */
class JobObserver {
  #client;
  #id;
  #options;
  #controller = null;
  #settled = false;
  #closed = false;
  #unsubscribe = () => {};

  constructor(client, id, options = {}) {
    this.#client = client;
    this.#id = id;
    this.#options = options;
    this.state = { id, job: options.initialJob ?? null, error: null, settled: false, paused: false };
    this.listener = null;
  }

  /** Starts following the job (pausing while the page is hidden, if `pauseWhenHidden` is not false). */
  start() {
    this.#unsubscribe = bindLifecycle(this, this.#options);
    if (this.#options.signal?.aborted) return this.close();
    if (isTerminal(this.state.job)) {
      const job = this.state.job;
      this.#settle(job, job.status === 'succeeded' ? null
        : job.status === 'failed' ? new JobFailedError(job) : new JobCancelledError(job));
      return;
    }
    if (hidden() && this.#options.pauseWhenHidden !== false) {
      this.#set({ paused: true });
      return;
    }
    this.#run();
  }

  /** Lets go of the request in flight; the state stays. */
  pause() {
    if (this.#settled || this.#closed || !this.#controller) return;
    this.#controller.abort(abortError('paused: the page is hidden'));
    this.#controller = null;
    this.#set({ paused: true });
  }

  /** Reads on from where the job is (a read, then held reads), unless it ended. */
  resume() {
    if (this.#settled || this.#closed || this.#controller) return;
    this.#set({ paused: false });
    this.#run();
  }

  /** Ends everything: the request in flight, the listeners. Nothing is reported after it. */
  close() {
    this.#closed = true;
    this.#unsubscribe();
    if (this.#controller) this.#controller.abort(abortError('unmounted'));
    this.#controller = null;
  }

  #run() {
    const controller = new AbortController();
    this.#controller = controller;
    const { token, timeout = Infinity } = this.#options;
    this.#client.waitJobCompletion(this.#id, {
      signal: controller.signal,
      token,
      timeout,
      onUpdate: (job) => {
        if (controller.signal.aborted || this.#closed) return;
        // A wait started after a pause reads the job again: a version already shown is no news.
        if (this.state.job && job.version <= this.state.job.version) return;
        this.#set({ job });
        this.#options.onUpdate?.(job);
      },
    }).then(
      (job) => this.#ended(controller, job, null),
      (error) => this.#ended(controller, error.job ?? null, error),
    );
  }

  #ended(controller, job, error) {
    if (this.#closed || controller !== this.#controller) return; // paused or unmounted: not an end
    this.#controller = null;
    if (error instanceof JobFailedError || error instanceof JobCancelledError || error === null) {
      this.#settle(job, error);
      return;
    }
    // A refusal no retry fixes (401, 404, a timeout the caller set): reported, and no more requests. The id stays
    // in the state, so the caller can follow the job again.
    this.#settled = true;
    this.#unsubscribe();
    this.#set({ error });
    this.#options.onError?.(error);
  }

  #settle(job, error) {
    if (this.#settled) return;
    this.#settled = true;
    this.#unsubscribe();
    const newer = job && (!this.state.job || job.version >= this.state.job.version) ? job : this.state.job;
    this.#set({ job: newer, error, settled: true, paused: false });
    this.#options.onSettled?.(newer, error);
  }

  #set(change) {
    this.state = { ...this.state, ...change };
    this.listener?.(this.state);
  }
}

/**
 * Many jobs followed to their ends (a list screen) over the client's batch watch. Settles each job once; pausing
 * stops the watch, resuming starts one from the versions held (so a job shown is not drawn again).
 */
class JobsObserver {
  #client;
  #options;
  #ids = [];
  #watch = null;
  #closed = false;
  #settledIds = new Set();
  #unsubscribe = () => {};

  constructor(client, ids, options = {}) {
    this.#client = client;
    this.#options = options;
    this.#ids = [...new Set(ids)];
    const jobs = {};
    for (const job of options.initialJobs ?? []) jobs[job.id] = job;
    this.state = { ids: this.#ids, jobs, notFound: [], error: null, paused: false };
    this.listener = null;
  }

  start() {
    this.#unsubscribe = bindLifecycle(this, this.#options);
    if (this.#options.signal?.aborted) return this.close();
    for (const job of Object.values(this.state.jobs)) {
      if (isTerminal(job)) this.#settleOne(job);
    }
    if (hidden() && this.#options.pauseWhenHidden !== false) {
      this.#set({ paused: true });
      return;
    }
    this.#run();
  }

  /**
   * Follows these ids from now on: new ones join the watch (from the version of a job in `known`, e.g. a submit's
   * answer, else from a first read), dropped ones leave it.
   */
  setIds(ids, known = {}) {
    const next = [...new Set(ids)];
    if (next.join('\n') === this.#ids.join('\n')) return;
    const dropped = this.#ids.some((id) => !next.includes(id));
    const jobs = { ...this.state.jobs };
    for (const id of next) {
      if (!jobs[id] && known[id]) jobs[id] = known[id];
    }
    this.#ids = next;
    this.#set({ ids: next, jobs });
    for (const id of next) {
      if (isTerminal(jobs[id])) this.#settleOne(jobs[id]);
    }
    if (this.#closed || this.state.paused || this.state.error) return;
    if (this.#watch && !dropped && !this.#watch.ended) {
      this.#watch.add(this.#pendingIds());
    } else {
      this.#stopWatch();
      this.#run();
    }
  }

  pause() {
    if (this.#closed || this.state.paused) return;
    this.#stopWatch();
    this.#set({ paused: true });
  }

  resume() {
    if (this.#closed || !this.state.paused) return;
    this.#set({ paused: false });
    if (!this.state.error) this.#run();
  }

  close() {
    this.#closed = true;
    this.#unsubscribe();
    this.#stopWatch();
  }

  /** The jobs still to follow: jobs held (watched from their version on) or ids not read yet. */
  #pendingIds() {
    return this.#ids
      .filter((id) => !this.#settledIds.has(id) && !this.state.notFound.includes(id))
      .map((id) => this.state.jobs[id] ?? id);
  }

  #run() {
    const pending = this.#pendingIds();
    if (pending.length === 0) return; // every job ended: no watch, no request
    const watch = this.#client.watchJobs(pending, (job) => this.#update(watch, job), {
      token: this.#options.token,
      onNotFound: (id) => {
        if (this.#watch === watch) this.#set({ notFound: [...this.state.notFound, id] });
      },
    });
    watch.ended = false;
    this.#watch = watch;
    watch.done.then(
      () => {
        watch.ended = true;
        if (this.#watch === watch) this.#watch = null;
        // Ids added while the watch was ending have no watch yet.
        if (!this.#closed && !this.state.paused && this.#watch === null && this.#pendingIds().length) this.#run();
      },
      (error) => {
        watch.ended = true;
        if (this.#watch !== watch || this.#closed) return;
        this.#watch = null;
        this.#unsubscribe();
        this.#set({ error });
        this.#options.onError?.(error);
      },
    );
  }

  #update(watch, job) {
    if (this.#closed || this.#watch !== watch || !this.#ids.includes(job.id)) return;
    const known = this.state.jobs[job.id];
    if (known && job.version <= known.version) return;
    this.#set({ jobs: { ...this.state.jobs, [job.id]: job } });
    this.#options.onUpdate?.(job);
    if (isTerminal(job)) this.#settleOne(job);
  }

  #settleOne(job) {
    if (this.#settledIds.has(job.id)) return;
    this.#settledIds.add(job.id);
    this.#options.onSettled?.(job);
  }

  #stopWatch() {
    const watch = this.#watch;
    this.#watch = null;
    watch?.stop();
  }

  #set(change) {
    this.state = { ...this.state, ...change };
    this.listener?.(this.state);
  }
}

// --- the hooks ----------------------------------------------------------------------------------------------------

/**
 * The client a hook reads with: `options.client`, or one of its own for `{baseUrl, getToken}` (getToken may be
 * a new function every render: the latest is called). The observers end their own waits when they close.
 */
function useClient(options) {
  const getToken = useRef(options.getToken);
  getToken.current = options.getToken;
  const own = useRef(null);
  if (options.client) return options.client;
  if (!options.baseUrl) throw new TypeError('useJob/useJobs: pass client or baseUrl');
  if (!own.current || own.current.baseUrl !== options.baseUrl) {
    own.current = {
      baseUrl: options.baseUrl,
      client: createClient({
        baseUrl: options.baseUrl,
        fetch: options.fetch,
        onRequest: options.onRequest,
        getToken: options.getToken ? (ids) => getToken.current(ids) : undefined,
      }),
    };
  }
  return own.current.client;
}

/** The latest callbacks, for observers that live longer than a render. */
function useLatest(options) {
  const latest = useRef(options);
  latest.current = options;
  return {
    onUpdate: (job) => latest.current.onUpdate?.(job),
    onSettled: (job, error) => latest.current.onSettled?.(job, error),
    onError: (error) => latest.current.onError?.(error),
  };
}

function view(state) {
  const job = state.job;
  return {
    id: state.id,
    job,
    status: job?.status ?? null,
    progress: job?.progress ?? null,
    output: job?.output ?? null,
    error: state.error,
    settled: state.settled,
    paused: state.paused,
  };
}

/**
 * Follows one job: `{id, job, status, progress, output, error, settled, paused}`. `options`: `client` (shared) or
 * `baseUrl` with `token` or `getToken`; `onUpdate(job)` per new version, `onSettled(job, error)` once when the job
 * ended (error: JobFailedError or JobCancelledError); `onError(error)` for a refusal no retry fixes; `enabled`
 * (default true); `pauseWhenHidden` (default true); `signal`; `timeout` (ms, default none: the job id is all a
 * later call needs); `initialJob` (e.g. the submit's answer). A null id follows nothing.
 */
export function useJob(id, options = {}) {
  const client = useClient(options);
  const callbacks = useLatest(options);
  const enabled = options.enabled !== false && Boolean(id);
  const [state, setState] = useState(() => ({ id, job: options.initialJob ?? null, error: null, settled: false,
    paused: false }));

  useEffect(() => {
    if (!enabled) return undefined;
    const observer = new JobObserver(client, id, {
      token: options.token, timeout: options.timeout, signal: options.signal,
      pauseWhenHidden: options.pauseWhenHidden, initialJob: options.initialJob, ...callbacks,
    });
    setState(observer.state);
    observer.listener = setState;
    observer.start();
    return () => observer.close();
    // The observer is this job's: a new id, client or token starts another one; callbacks are read when called.
  }, [client, id, enabled, options.token, options.timeout, options.signal, options.pauseWhenHidden]); // eslint-disable-line react-hooks/exhaustive-deps

  return view(state.id === id ? state : { id, job: null, error: null, settled: false, paused: false });
}

/**
 * Follows many jobs (a list screen) with one batch watch: `{jobs, byId, notFound, error, settled, paused}`, where
 * `jobs` holds, in the order of `ids`, `{id, job, status, progress, output, error, settled}` per job. Ids may
 * grow or shrink between renders; `initialJobs` (submit answers) are shown at once and watched from their
 * version on. Same options as useJob, `onSettled(job)` once per job.
 */
export function useJobs(ids, options = {}) {
  const client = useClient(options);
  const callbacks = useLatest(options);
  const enabled = options.enabled !== false;
  const list = [...new Set(ids ?? [])];
  const observer = useRef(null);
  const [state, setState] = useState(() => ({ ids: list, jobs: {}, notFound: [], error: null, paused: false }));

  useEffect(() => {
    if (!enabled) return undefined;
    const current = new JobsObserver(client, list, {
      token: options.token, signal: options.signal, pauseWhenHidden: options.pauseWhenHidden,
      initialJobs: options.initialJobs, ...callbacks,
    });
    observer.current = current;
    setState(current.state);
    current.listener = setState;
    current.start();
    return () => {
      current.close();
      observer.current = null;
    };
  }, [client, enabled, options.token, options.signal, options.pauseWhenHidden]); // eslint-disable-line react-hooks/exhaustive-deps

  const initial = Object.fromEntries((options.initialJobs ?? []).map((job) => [job.id, job]));
  const initialRef = useRef(initial);
  initialRef.current = initial;
  const key = list.join('\n');
  useEffect(() => {
    observer.current?.setIds(key ? key.split('\n') : [], initialRef.current);
  }, [key]);

  const jobs = list.map((id) => {
    const job = state.jobs[id] ?? initial[id] ?? null;
    const failed = job?.status === 'failed' || job?.status === 'cancelled';
    return {
      id, job, status: job?.status ?? null, progress: job?.progress ?? null, output: job?.output ?? null,
      error: failed ? (job.error ?? { message: job.error_message }) : null, settled: isTerminal(job),
    };
  });
  return {
    jobs,
    byId: Object.fromEntries(jobs.map((entry) => [entry.id, entry])),
    notFound: state.notFound,
    error: state.error,
    settled: jobs.every((entry) => entry.settled || state.notFound.includes(entry.id)),
    paused: state.paused,
  };
}

// --- TanStack Query -------------------------------------------------------------------------------------------

/**
 * Options for TanStack Query's `useQuery` (and `queryClient.fetchQuery`): `queryKey` `['job-gateway', 'job', id]`,
 * `queryFn` that reads the job (abortable by the query's signal), and a `refetchInterval` that follows the job's
 * `poll_after_ms` while it runs and stops (false) once it ended, so no request follows a terminal state.
 * `options`: `client`, or `baseUrl` with `token`/`getToken`; `interval` (ms) to override the gateway's hint.
 */
export function jobQueryOptions(id, options = {}) {
  const client = options.client ?? createClient({ baseUrl: options.baseUrl, getToken: options.getToken,
    fetch: options.fetch });
  return {
    queryKey: ['job-gateway', 'job', id],
    queryFn: ({ signal }) => client.getJob(id, { signal, token: options.token }),
    enabled: Boolean(id),
    refetchInterval: (query) => {
      // TanStack Query v5 passes the query; v4 passed the data.
      const job = query && 'state' in query ? query.state.data : query;
      if (isTerminal(job)) return false;
      return options.interval ?? job?.poll_after_ms ?? 1_500;
    },
    refetchIntervalInBackground: false,
    // A job that ended never changes again.
    staleTime: (query) => (isTerminal(query?.state?.data) ? Infinity : 0),
    retry: (failures, error) => failures < 3 && !(error?.status >= 400 && error?.status < 500),
  };
}
