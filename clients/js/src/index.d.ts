// Type declarations of job-gateway's JavaScript client (src/index.js). The wire types (Job and what it holds,
// SubmittedJob, ReadToken, Timeline) are held to the gateway's OpenAPI document (src/main/resources/openapi/
// openapi.json) by test/contract.test.mjs: their fields and every closed vocabulary (status, provider, error source,
// delivery state, completed_via, output storage states) must be the document's.

export declare const VERSION: string;

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Who failed a job: the AI server, the hand-off, the deadline, an unreachable AI server, or one that lost the job. */
export type ErrorSource = 'ai_server' | 'submit' | 'timeout' | 'upstream_unreachable' | 'upstream_lost';

/** The AI-server providers a job can run on. */
export type ProviderName = 'generic' | 'replicate' | 'fal' | 'comfyui' | 'runpod' | 'cog';

/** Any JSON value: what an AI server may report as a job's output. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** An image of an output (generic protocol, ComfyUI, fal): at least its URL. */
export interface OutputImage {
  url: string;
  [key: string]: unknown;
}

/**
 * A job's `output` per provider, as each gives it (the gateway keeps it as it is; with output storage on, URLs are
 * replaced by the stored copies'). Use with `submit`/`run` naming a provider, or as `Job<Input, OutputOf<'fal'>>`.
 */
export interface ProviderOutputs {
  /** Whatever your AI server reports; the simulator and most image servers: `{images: [{url}]}`. */
  generic: { images?: OutputImage[]; [key: string]: unknown };
  /** Replicate: the model's output: a URL, an array of URLs (most image models), or an object. */
  replicate: string | string[] | { [key: string]: JsonValue };
  /** fal: the model's result payload. */
  fal: {
    images?: Array<OutputImage & { width?: number; height?: number; content_type?: string }>;
    seed?: number;
    [key: string]: unknown;
  };
  /** ComfyUI: the SaveImage nodes' images, as `/view` URLs. */
  comfyui: { images: OutputImage[]; [key: string]: unknown };
  /** RunPod: the worker's return value, any JSON. */
  runpod: JsonValue;
  /** Cog: the model's output: a URL, an array of URLs, or an object. */
  cog: string | string[] | { [key: string]: JsonValue };
}

export type OutputOf<P extends ProviderName> = ProviderOutputs[P];

/** A job's output when the provider is not known statically: any provider's shape. */
export type JobOutput = ProviderOutputs[ProviderName];

export interface JobError {
  source: ErrorSource;
  code: string;
  message: string;
}

export interface Delivery {
  state: 'awaiting_webhook' | 'webhook_received' | 'webhook_overdue' | 'polled' | 'upstream_unreachable';
  webhooks_received: number;
  last_webhook_at: string | null;
  last_upstream_check_at: string | null;
  /** When the job is expected to finish, learned from the provider's recent jobs; null without enough history. */
  expected_at: string | null;
}

/** One output file of a job, with output storage on. */
export interface OutputFile {
  index: number;
  url: string | null;
  /** Null for a data URL: its bytes are never kept. */
  source_url: string | null;
  content_type: string | null;
  size_bytes: number | null;
  state: 'pending' | 'stored' | 'source_expired' | 'failed' | 'skipped';
  reason: string | null;
}

/** A job as every read returns it. */
export interface Job<Input = Record<string, unknown>, Output = JobOutput> {
  id: string;
  status: JobStatus;
  /** The AI-server provider the job was handed to. */
  provider: ProviderName;
  /** The provider's model the job runs, where the provider has models. */
  model: string | null;
  /** The job's place in its provider's queue while it waits there, where the provider tells it. */
  queue_position: number | null;
  input: Input;
  /** With the AI server's URLs replaced by the stored copies' once `output_storage` is `stored`. */
  output: Output | null;
  /** With output storage on: where the copies of a succeeded job's files are; null when off or without files. */
  output_storage: 'pending' | 'stored' | 'source_expired' | 'failed' | null;
  /** With output storage on: each output file, its copy's `url` (null until stored) and the AI server's `source_url`. */
  output_files: OutputFile[] | null;
  progress: number | null;
  error_message: string | null;
  error: JobError | null;
  completed_via: 'webhook' | 'poll' | 'cancel' | 'timeout' | null;
  delivery: Delivery;
  version: number;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  poll_after_ms: number | null;
}

/** The answer of a submit: the job, plus a read token scoped to it for the browser (null when disabled). */
export interface SubmittedJob<Input = Record<string, unknown>, Output = JobOutput>
  extends Job<Input, Output> {
  read_token: string | null;
  read_token_expires_at: string | null;
}

export interface ReadToken {
  read_token: string;
  expires_at: string;
  job_ids: string[];
}

export interface TimelineEntry {
  /** The entry's id: the cursor to pass as `after`. */
  id: string;
  type: string;
  at: string;
  outcome: string | null;
  reason: string | null;
  version: number;
  details: Record<string, unknown> | null;
}

/** A page of a job's timeline, oldest first. */
export interface Timeline {
  job_id: string;
  events: TimelineEntry[];
  /** Pass as `after` for the next page; null at the end. */
  next_after: string | null;
}

/**
 * What the client tells `onTransport` about. First, for each wait and watch, which transport serves it: `push`
 * (subscribed to its jobs' channels), or `long-poll` with the `reason` push is not used (or no longer: the
 * connection broke). Then any switch to polling (`fallback`, with why) and back to long-polls (`resume`).
 */
export interface TransportEvent {
  type: 'push' | 'long-poll' | 'fallback' | 'resume';
  /** The transport in use from now on. */
  transport: 'push' | 'long-poll' | 'poll';
  reason?: PushUnavailableReason | 'network' | 'gateway-timeout' | 'rate-limited' | 'token-expiring' | string;
  /** `job <id>` for a wait, `<n> job(s)` for a watch. */
  target: string;
}

/** Why a wait or watch long-polls instead of taking pushed changes. */
export type PushUnavailableReason =
  /** No WebSocket here (Node.js 20 without a `WebSocket` option), or `push: false`. */
  | 'no-websocket'
  /** The gateway offers no realtime endpoint (`GET /realtime` says so, or is not there). */
  | 'not-offered'
  /** Only read tokens go to the realtime endpoint; a client with the API key long-polls. */
  | 'api-key'
  | 'discovery-failed' | 'connect-refused' | 'connect-timeout' | 'subscribe-refused' | 'subscribe-timeout'
  /** The connection ended under a live subscription: `closed-<code>`, `keep-alive-timeout`, `subscription-error`. */
  | 'keep-alive-timeout' | 'subscription-error' | `closed-${number}`
  /** A read made while on push failed: the long-polls read again and handle it. */
  | `read-${number}` | 'network' | string;

/**
 * The WebSocket constructor the client opens its push connection with: the browser's (or any with its `onopen`,
 * `onmessage`, `onclose`, `onerror` handlers, e.g. the `ws` package's).
 */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => {
  send(data: string): void;
  close(code?: number, reason?: string): void;
};

export interface RequestInfo {
  method: string;
  path: string;
  kind: 'submit' | 'read' | 'poll' | 'long-poll' | 'cancel' | 'events' | 'mint' | 'discovery';
}

export interface ClientOptions {
  /** The gateway, e.g. `https://jobs.example.com`. */
  baseUrl: string;
  /** The API key: only where it stays secret (your backend). */
  apiKey?: string;
  /** A read token (browsers): from the submit answer or from your backend's mint call. */
  token?: string;
  /** Gets a read token for these job ids (e.g. from your backend); called again when one is about to expire. */
  getToken?: (jobIds: string[]) => Promise<string> | string;
  /** Another fetch (tests, instrumented fetch); default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Longest held read to ask for, in seconds (at most 25, the gateway's clamp). */
  maxWaitSeconds?: number;
  /** Random numbers for the backoff jitter (tests). */
  random?: () => number;
  /** Called before every request the client sends. */
  onRequest?: (request: RequestInfo) => void;
  /**
   * Called with the transport each wait or watch starts on (push or long-poll, and why), when push is lost, when
   * it falls back to polling, and when it switches back.
   */
  onTransport?: (event: TransportEvent) => void;
  /**
   * The WebSocket to push with; default `globalThis.WebSocket` (browsers, Node.js 22+). Without one (Node.js 20)
   * waits and watches long-poll.
   */
  WebSocket?: WebSocketConstructor | null;
  /** `false`: never push, always long-poll. Default true (where the gateway offers push). */
  push?: boolean;
  /**
   * On push, a wait or watch reads its jobs after this many ms without an event (default 20,000, the gateway's
   * default fallback check-after): no read is held on push, and a read is what lets the gateway check with the AI
   * server when a job's webhook is overdue.
   */
  pushReadEveryMs?: number;
}

export interface SubmitOptions {
  /** The AI-server provider; the gateway's default without it. */
  provider?: ProviderName;
  /** The provider's model (Replicate: owner/name[:version]; fal: its model id); the provider's default without it. */
  model?: string;
  idempotencyKey?: string;
  maxDurationSeconds?: number;
  signal?: AbortSignal;
}

export interface ReadOptions {
  signal?: AbortSignal;
  /** A read token for this call only. */
  token?: string;
}

export interface WaitOptions extends ReadOptions {
  /** Give up after this many ms (default 300000, the article's 5 minutes): rejects with JobTimeoutError. */
  timeout?: number;
  /** Every new version of the job, once, in order: status, progress, output. */
  onUpdate?: (job: Job) => void;
  /**
   * `'terminal'` (default): settle on succeeded, failed or cancelled. `'stored'` (output storage on): go on past a
   * success whose files are still being copied (`output_storage: 'pending'`) to the version that says where they ended.
   */
  until?: 'terminal' | 'stored';
}

/** `run()`: a submit's options and a wait's. */
export interface RunOptions extends SubmitOptions {
  timeout?: number;
  onUpdate?: (job: Job) => void;
  until?: 'terminal' | 'stored';
  /** Told the job (and its `read_token`) as soon as the gateway took it, before the wait. */
  onSubmitted?: (job: SubmittedJob) => void;
}

export interface WatchOptions {
  signal?: AbortSignal;
  /** One read token for every watched job (else the client's token or getToken). */
  token?: string;
  /** An id the gateway does not know, or will not show to this key or token. */
  onNotFound?: (id: string) => void;
}

export interface Watch {
  /** Resolves with every job's last state once all are terminal, or on stop(). */
  readonly done: Promise<Job[]>;
  /** Every job's last state, in the order the ids were given. */
  readonly jobs: Job[];
  readonly notFound: string[];
  /** Adds jobs: ids (their first state comes as an update) or jobs you have (watched from their version on). */
  add(ids: Iterable<string | Job>): void;
  /** Ends the watch: no request or timer stays behind. */
  stop(): void;
}

export interface ClientStats {
  requests: number;
  longPolls: number;
  polls: number;
  notModified: number;
  errors: number;
  fallbacks: number;
  resumes: number;
  /** Push subscriptions made (one per job waited on or watched over push). */
  subscriptions: number;
  /** Events pushed to this client's subscriptions. */
  pushed: number;
  /** Waits and watches that were on push and went back to long-polls (the connection broke). */
  pushLost: number;
}

export declare class JobGatewayClient {
  constructor(options: ClientOptions);
  readonly stats: ClientStats;
  /** See `ClientOptions.pushReadEveryMs`. */
  pushReadEveryMs: number;
  /** Waits and watches in progress. */
  readonly pendingCount: number;
  submit<Input = Record<string, unknown>, P extends ProviderName = ProviderName>(input: Input,
    options?: SubmitOptions & { provider?: P }): Promise<SubmittedJob<Input, OutputOf<P>>>;
  /**
   * Submits and waits in one call (server side: it needs the API key). Resolves with the succeeded job; rejects as
   * waitJobCompletion does, every error after the submit carrying the job's id as `jobId`.
   */
  run<Input = Record<string, unknown>, P extends ProviderName = ProviderName>(input: Input,
    options?: RunOptions & { provider?: P }): Promise<Job<Input, OutputOf<P>>>;
  getJob<Output = JobOutput>(id: string, options?: ReadOptions): Promise<Job<Record<string, unknown>, Output>>;
  waitJobCompletion<Output = JobOutput>(id: string, options?: WaitOptions):
    Promise<Job<Record<string, unknown>, Output>>;
  watchJobs(ids: Iterable<string | Job>, onUpdate: (job: Job) => void, options?: WatchOptions): Watch;
  cancel(id: string, options?: { signal?: AbortSignal }): Promise<Job>;
  events(id: string, options?: ReadOptions & { after?: string | null; limit?: number }): Promise<Timeline>;
  mintReadToken(ids: Iterable<string>, options?: { ttlSeconds?: number; signal?: AbortSignal }): Promise<ReadToken>;
  /** The one push connection of this client while one is open (whatever the number of waits and watches). */
  readonly pushConnection: { readonly open: boolean; readonly subscriptionCount: number; close(): void } | null;
  /** Ends every wait and watch of this client, and its push connection. */
  close(): void;
}

export declare function createClient(options: ClientOptions): JobGatewayClient;

/** A read token's expiry in ms since the epoch, read without verifying it; null if it carries none. */
export declare function readTokenExpiry(token: string): number | null;

/** A read token's claims, read without verifying them; null if it is not a read token. */
export declare function readTokenClaims(token: string):
  { sub: string; jobs: string[]; exp: number; iat: number; aud: string; [claim: string]: unknown } | null;

export declare class JobGatewayError extends Error {}

/** The gateway answered with a problem (problem+json). */
export declare class ProblemError extends JobGatewayError {
  readonly status: number;
  /** An absolute URI, `https://job-gateway.dev/problems/<name>` (the gateway's docs/errors.md, one section each). */
  readonly type: string | null;
  readonly title: string | null;
  readonly detail: string | null;
  readonly problem: Record<string, unknown>;
  readonly retryAfterMs: number | null;
}

export declare class AuthenticationError extends ProblemError {}

export declare class JobNotFoundError extends ProblemError {}

/** `429` (API Gateway throttling, a usage plan's quota): waits ride it out; submit, cancel, mint and reads throw it. */
export declare class RateLimitError extends ProblemError {
  /** The wait the answer asked for, in seconds (`Retry-After`); null when it named none. `retryAfterMs`: in ms. */
  readonly retryAfter: number | null;
}

export declare class NetworkError extends JobGatewayError {}

export declare class JobFailedError extends JobGatewayError {
  readonly job: Job;
  readonly jobId: string;
  /** The job's `error_message`. */
  readonly errorMessage: string | null;
  readonly error: JobError | null;
  /** `error.source`: who failed it. */
  readonly source: ErrorSource | null;
  readonly code: string | null;
}

export declare class JobCancelledError extends JobGatewayError {
  readonly job: Job;
  readonly jobId: string;
  readonly errorMessage: string | null;
  readonly error: JobError | null;
  readonly source: string | null;
}

export declare class JobTimeoutError extends JobGatewayError {
  readonly jobId: string;
  readonly timeout: number;
  /** The last state seen, or null. */
  readonly job: Job | null;
}
