// Type declarations of `@job-gateway/client/react` (src/react.js). React is an optional peer dependency.

import type { Job, JobGatewayClient, JobFailedError, JobCancelledError } from './index.js';

/** Whether the job has ended (succeeded, failed or cancelled). */
export declare function isTerminal(job: Job | null | undefined): boolean;

/** The output file URLs of a job (stored copies first, else every http(s)/data: URL in its output), for thumbnails. */
export declare function outputUrls(job: Job | null | undefined): string[];

/** A `getToken` that POSTs `{job_ids}` to your backend's route (e.g. `createJobRoutes().readTokens`). */
export declare function readTokensFrom(endpoint: string, init?: RequestInit): (jobIds: string[]) => Promise<string>;

export interface HookClientOptions {
  /** A client to share between hooks; else give `baseUrl` and `token` or `getToken`. */
  client?: JobGatewayClient;
  baseUrl?: string;
  /** A read token for the job(s). */
  token?: string;
  /** Gets a read token for these job ids (e.g. `readTokensFrom('/api/read-tokens')`); the latest given is called. */
  getToken?: (jobIds: string[]) => Promise<string> | string;
  /** Another fetch, for the hook's own client (tests). */
  fetch?: typeof fetch;
  /** Default true: false follows nothing. */
  enabled?: boolean;
  /** Default true: the held read is let go while `document.visibilityState` is `hidden`, read on when shown. */
  pauseWhenHidden?: boolean;
  /** Aborting it ends the hook's requests, as unmounting does. */
  signal?: AbortSignal;
  /** Called with an error no retry fixes (401, 404): the hook stops and keeps the job id. */
  onError?: (error: Error) => void;
}

export interface UseJobOptions extends HookClientOptions {
  /** Every new version of the job, once, in order. */
  onUpdate?: (job: Job) => void;
  /** Once, when the job ended: `error` is a JobFailedError or JobCancelledError, null when it succeeded. */
  onSettled?: (job: Job, error: JobFailedError | JobCancelledError | null) => void;
  /** Give up after this many ms (JobTimeoutError, which keeps the job id); default none. */
  timeout?: number;
  /** A state to show at once (the submit's answer); watched from its version on. */
  initialJob?: Job;
}

export interface JobView<Output = Job['output']> {
  id: string | null;
  job: Job | null;
  status: Job['status'] | null;
  progress: number | null;
  output: Output | null;
  /** JobFailedError / JobCancelledError once the job ended so, or an error no retry fixes. */
  error: Error | null;
  /** The job ended (or an error stopped the hook): no request is sent any more. */
  settled: boolean;
  /** Hidden tab: no request held. */
  paused: boolean;
}

export declare function useJob(id: string | null | undefined, options?: UseJobOptions): JobView;

export interface UseJobsOptions extends HookClientOptions {
  onUpdate?: (job: Job) => void;
  /** Once per job, when it ended. */
  onSettled?: (job: Job) => void;
  /** States to show at once (the submits' answers); watched from their versions on. */
  initialJobs?: Job[];
}

export interface JobsEntry {
  id: string;
  job: Job | null;
  status: Job['status'] | null;
  progress: number | null;
  output: Job['output'] | null;
  /** The job's error once it failed or was cancelled. */
  error: { source?: string; code?: string; message: string | null } | null;
  settled: boolean;
}

export interface JobsView {
  /** In the order of the ids given. */
  jobs: JobsEntry[];
  byId: Record<string, JobsEntry>;
  /** Ids the gateway does not know or will not show to this token. */
  notFound: string[];
  /** An error no retry fixes: the watch stopped. */
  error: Error | null;
  /** Every job ended (or is not found): no request is sent any more. */
  settled: boolean;
  paused: boolean;
}

export declare function useJobs(ids: readonly string[], options?: UseJobsOptions): JobsView;

export interface JobQueryOptions {
  queryKey: readonly ['job-gateway', 'job', string];
  queryFn: (context: { signal: AbortSignal }) => Promise<Job>;
  enabled: boolean;
  /** The gateway's `poll_after_ms` while the job runs; false once it ended. */
  refetchInterval: (query: { state: { data?: Job } } | Job | undefined) => number | false;
  refetchIntervalInBackground: false;
  staleTime: (query: { state: { data?: Job } }) => number;
  retry: (failureCount: number, error: unknown) => boolean;
}

/** Options for TanStack Query's `useQuery(jobQueryOptions(id, {client}))`. */
export declare function jobQueryOptions(id: string, options?: Omit<HookClientOptions, 'enabled' | 'pauseWhenHidden'
  | 'signal' | 'onError'> & { interval?: number }): JobQueryOptions;
