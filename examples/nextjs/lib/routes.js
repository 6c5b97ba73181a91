// The app's backend for job-gateway: the API key lives here, in server-side environment variables, and nowhere else.
import { createJobRoutes } from '@job-gateway/client/next';

export const PROVIDERS = ['generic', 'replicate', 'fal', 'cog', 'runpod', 'comfyui'];

let routes = null;

/** Made on the first request, not at build time: the gateway's address and key are the server's runtime settings. */
export function jobRoutes() {
  routes ??= createJobRoutes({
    gatewayUrl: process.env.GATEWAY_URL,
    apiKey: process.env.GATEWAY_API_KEY,
    providers: PROVIDERS,
    // An example without users lets everyone submit and read. A real app checks its session here: who may submit,
    // and that the job ids of a read-token request are that user's own.
    authorize: () => true,
  });
  return routes;
}
