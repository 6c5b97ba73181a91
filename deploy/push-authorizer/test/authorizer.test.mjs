// The authorizer against the push vectors the gateway's Java decision is tested with (run: node --test, from
// dev.jobgateway.push.PushAuthorizerIT).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { authorize, decide, handler, jobOf, settingsFrom } from '../index.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const vectors = JSON.parse(readFileSync(`${root}src/test/resources/vectors/push/subscribe-decisions.json`, 'utf8'));
const channels = JSON.parse(readFileSync(`${root}src/test/resources/vectors/push/channels.json`, 'utf8'));
const settings = settingsFrom({
  GATEWAY_READ_TOKENS_KEYS: vectors.read_token_keys,
  GATEWAY_API_KEYS: vectors.api_keys,
  GATEWAY_PUSH_NAMESPACE: vectors.namespace,
  GATEWAY_LIMITS_MAX_BATCH_IDS: String(vectors.max_jobs),
});

test('the vectors are many and mixed', () => {
  assert.ok(vectors.cases.length > 15);
  assert.ok(vectors.cases.some((c) => c.allowed) && vectors.cases.some((c) => !c.allowed));
});

for (const vector of vectors.cases) {
  test(`decides as the gateway does: ${vector.name}`, () => {
    const decision = decide(vector, settings);
    assert.equal(decision.allowed, vector.allowed);
    assert.equal(decision.errorType, vector.error_type);
  });

  test(`answers AppSync's request shape: ${vector.name}`, () => {
    const event = {
      authorizationToken: vector.token,
      requestContext: {
        apiId: 'vectorsapi',
        accountId: '111122223333',
        requestId: 'r-1',
        operation: vector.operation,
        channelNamespaceName: vectors.namespace,
        channel: vector.channel ?? undefined,
      },
      requestHeaders: {},
    };
    assert.deepEqual(authorize(event, settings, vector.now), { isAuthorized: vector.allowed, ttlOverride: 0 });
  });
}

test('reads the channel rule as the gateway writes it', () => {
  for (const { job_id: id, channel } of channels.cases) {
    assert.equal(jobOf(channel, channels.namespace), id);
  }
});

test('the Lambda handler reads its settings from the environment and uses the clock', async () => {
  process.env.GATEWAY_READ_TOKENS_KEYS = vectors.read_token_keys;
  process.env.GATEWAY_API_KEYS = vectors.api_keys;
  const valid = vectors.cases.find((c) => c.name === 'subscribe to the token\'s job');
  // Minted long before now: expired on the real clock, so refused.
  const answer = await handler({ authorizationToken: valid.token,
    requestContext: { operation: 'EVENT_SUBSCRIBE', channel: valid.channel } });
  assert.deepEqual(answer, { isAuthorized: false, ttlOverride: 0 });
});
