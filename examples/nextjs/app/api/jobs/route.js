import { jobRoutes } from '../../../lib/routes.js';

/** POST {input, provider, model?}: submits with the server's API key; answers the job and its read token. */
export function POST(request) {
  return jobRoutes().submit(request);
}
