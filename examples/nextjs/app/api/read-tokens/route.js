import { jobRoutes } from '../../../lib/routes.js';

/** POST {job_ids}: one read token for the list screen's jobs (asked again by the client when it is about to expire). */
export function POST(request) {
  return jobRoutes().readTokens(request);
}
