// Compiled (never run) by `npm run typecheck`: the React and Next.js entries' declarations as docs/react.md uses them.
import { createClient, type Job } from '@job-gateway/client';
import { useJob, useJobs, jobQueryOptions, outputUrls, readTokensFrom, isTerminal } from '@job-gateway/client/react';
import { createJobRoutes, type JobRouteAction } from '@job-gateway/client/next';

function row(id: string): string {
  const getToken = readTokensFrom('/api/read-tokens');
  const view = useJob(id, { baseUrl: 'https://jobs.example.com', getToken, onSettled: (job: Job, error) => {
    if (error !== null) console.log(error.jobId, job.status);
  } });
  const progress: number = view.progress ?? 0;
  return `${view.status ?? 'loading'} ${progress} ${view.error?.message ?? ''} ${view.settled} ${view.paused}`;
}

function list(ids: string[], submitted: Job[]): string[] {
  const client = createClient({ baseUrl: 'https://jobs.example.com', token: 'rt' });
  const { jobs, settled, notFound } = useJobs(ids, { client, initialJobs: submitted, onSettled: (job) => job.id });
  return jobs.flatMap((entry) => (settled || notFound.length ? outputUrls(entry.job) : [entry.status ?? '']));
}

async function query(id: string): Promise<boolean> {
  const options = jobQueryOptions(id, { baseUrl: 'https://jobs.example.com', token: 'rt' });
  const job = await options.queryFn({ signal: new AbortController().signal });
  const next: number | false = options.refetchInterval({ state: { data: job } });
  return options.queryKey[2] === id && next === false && isTerminal(job);
}

const routes = createJobRoutes({
  gatewayUrl: 'https://jobs.example.com',
  apiKey: 'secret',
  providers: ['fal'],
  authorize: async (request: Request, action: JobRouteAction) =>
    action.type === 'read' ? action.jobIds.length < 10 : request.headers.has('cookie'),
});
export const POST: (request: Request) => Promise<Response> = routes.submit;
export const mint: (request: Request) => Promise<Response> = routes.readTokens;
export { row, list, query };
