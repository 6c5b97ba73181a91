// Compiled (never run) by `npm run typecheck`: the declarations describe the client as the README uses it.
import {
  createClient, JobGatewayClient, JobFailedError, JobCancelledError, JobTimeoutError, AuthenticationError,
  JobNotFoundError, ProblemError, RateLimitError, readTokenExpiry, VERSION, type Job, type SubmittedJob, type Watch,
  type OutputOf,
} from '@job-gateway/client';

async function backend(): Promise<string | null> {
  const gateway = createClient({ baseUrl: 'https://jobs.example.com', apiKey: 'secret' });
  const job: SubmittedJob<{ prompt: string }> = await gateway.submit({ prompt: 'a fox' },
    { provider: 'generic', idempotencyKey: 'order-42', maxDurationSeconds: 120 });
  const list = await gateway.mintReadToken([job.id], { ttlSeconds: 300 });
  const cancelled: Job = await gateway.cancel(job.id);
  const expiry: number | null = readTokenExpiry(list.read_token);
  return cancelled.status === 'cancelled' && expiry !== null ? job.read_token : list.expires_at;
}

async function browser(token: string, ids: string[]): Promise<void> {
  const client: JobGatewayClient = createClient({
    baseUrl: 'https://jobs.example.com',
    getToken: async (jobIds: string[]) => token + jobIds.length,
    onTransport: (event) => console.log(event.type, event.transport, event.reason),
    WebSocket: globalThis.WebSocket,
  });
  const controller = new AbortController();
  try {
    const done: Job = await client.waitJobCompletion(ids[0], {
      timeout: 60_000, signal: controller.signal, onUpdate: (job) => console.log(job.progress, job.version),
    });
    console.log(done.output, done.completed_via);
  } catch (error) {
    if (error instanceof JobFailedError) console.log(error.errorMessage, error.source, error.job.error?.code);
    else if (error instanceof JobCancelledError) console.log(error.job.status);
    else if (error instanceof JobTimeoutError) console.log(error.timeout, error.job?.status);
    else if (error instanceof AuthenticationError || error instanceof JobNotFoundError) console.log(error.status);
    else if (error instanceof ProblemError) console.log(error.type, error.detail);
  }
  const watch: Watch = client.watchJobs(ids, (job) => console.log(job.id, job.status), {
    onNotFound: (id) => console.log('gone', id),
  });
  watch.add(['job_another']);
  const last: Job[] = await watch.done;
  watch.stop();
  const timeline = await client.events(ids[0], { limit: 50 });
  if (timeline.next_after !== null) await client.events(ids[0], { after: timeline.next_after });
  console.log(VERSION, last.length, timeline.events[0]?.type, client.stats.requests, client.pendingCount);
  const push: 'push' | 'long-poll' | 'poll' = 'push';
  console.log(client.stats.pushed, client.stats.subscriptions, client.stats.pushLost, push);
  client.pushConnection?.close();
  // Node.js 20: no WebSocket, so push is off (or pass one, e.g. the ws package's); a backend may turn it off.
  createClient({ baseUrl: 'https://jobs.example.com', token, WebSocket: null });
  createClient({ baseUrl: 'https://jobs.example.com', token, push: false });
}

async function typedOutputs(): Promise<string> {
  const gateway = createClient({ baseUrl: 'https://jobs.example.com', apiKey: 'secret' });
  // One call on a server; the provider named fixes the output's type.
  const image = await gateway.run({ prompt: 'a fox' }, { provider: 'fal', model: 'fal-ai/flux/dev', until: 'stored',
    onSubmitted: (job) => console.log(job.id, job.read_token) });
  const falUrl: string | undefined = image.output?.images?.[0]?.url;
  const replicate = await gateway.submit({ prompt: 'a fox' }, { provider: 'replicate' });
  const urls: OutputOf<'replicate'> | null = replicate.output;
  const first = Array.isArray(urls) ? urls[0] : typeof urls === 'string' ? urls : '';
  const comfy: Job<Record<string, unknown>, OutputOf<'comfyui'>> = await gateway.waitJobCompletion(image.id);
  try {
    await gateway.mintReadToken([image.id]);
  } catch (error) {
    if (error instanceof RateLimitError) console.log(error.retryAfter, error.retryAfterMs);
  }
  return `${falUrl}${first}${comfy.output?.images[0].url}${image.error?.source === 'upstream_lost'}`;
}

export { backend, browser, typedOutputs };
