// Type declarations of `@job-gateway/client/next` (src/next.js): server-side route handlers.

export type JobRouteAction =
  | { type: 'submit'; provider: string | null; model: string | null; input: Record<string, unknown> }
  | { type: 'read'; jobIds: string[] };

export interface JobRoutesOptions {
  /** The gateway's base URL. */
  gatewayUrl: string;
  /** The gateway API key: a server-side secret (never a NEXT_PUBLIC_ variable). */
  apiKey: string;
  /**
   * Who may submit, and read which jobs: truthy allows, falsy answers 403, a Response is answered as it is.
   */
  authorize: (request: Request, action: JobRouteAction) => unknown | Promise<unknown>;
  /** The providers the browser may choose; default any the gateway has. */
  providers?: string[];
  /** Life of the read tokens minted; the gateway's default without it. */
  readTokenTtlSeconds?: number;
  fetch?: typeof fetch;
}

export interface JobRoutes {
  /** POST `{input, provider?, model?, idempotency_key?}` → 202 with the job and its `read_token`. */
  submit: (request: Request) => Promise<Response>;
  /** POST `{job_ids}` → 200 `{read_token, expires_at, job_ids}`. */
  readTokens: (request: Request) => Promise<Response>;
  /** Both on one catch-all route: a path ending in `/read-tokens` mints, any other submits. */
  POST: (request: Request) => Promise<Response>;
}

export declare function createJobRoutes(options: JobRoutesOptions): JobRoutes;
