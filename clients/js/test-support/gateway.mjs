// What the tests against a real gateway share: JsClientIT starts the plain-HTTP build as its own process (with a local
// Redis and the simulated AI server) and passes its address, the API key and a control URL (restart the gateway,
// pause Redis) in the environment. Not a test file: node --test runs test/ and push-test/, never this folder.
import assert from 'node:assert/strict';

import { createClient } from '../src/index.js';

export const GATEWAY = process.env.GATEWAY_URL;
export const KEY = process.env.GATEWAY_API_KEY;
export const CONTROL = process.env.STACK_CONTROL_URL;

/** A backend's client: the API key. */
export const backend = () => createClient({ baseUrl: GATEWAY, apiKey: KEY });
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A job input with the simulated AI server's knobs. */
export const simulate = (knobs) => ({ prompt: 'a lighthouse at dusk', simulate: knobs });

/** A POST to the stack's control URL (`/restart-gateway`, `/pause-redis`, ...). */
export async function control(path) {
  const response = await fetch(CONTROL + path, { method: 'POST' });
  assert.equal(response.status, 200, await response.text());
}

/** Until `check()` (sync or async) holds, asked every 50 ms, failing after `ms`. */
export async function eventually(check, ms = 5000) {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) assert.fail(`not within ${ms} ms: ${check}`);
    await sleep(50);
  }
}
