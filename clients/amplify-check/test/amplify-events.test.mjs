// AWS's own client, Amplify's events API (aws-amplify 6.22.1), against the gateway's realtime endpoint: configured
// from the gateway's discovery route, it connects with a job's read token (authMode 'lambda', as against AppSync with
// the push authorizer) and receives the job's changes. Run by dev.jobgateway.push.PushIT with GATEWAY_URL and
// GATEWAY_API_KEY set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WS from 'ws';
import { Amplify } from 'aws-amplify';
import { events } from 'aws-amplify/data';

const GATEWAY = process.env.GATEWAY_URL;
const API_KEY = process.env.GATEWAY_API_KEY;

// Node 20 has no global WebSocket; Amplify opens `new WebSocket(url, protocols)`. It also always asks for wss://
// (appsyncUrl.ts); the local endpoint is plain ws://, so loopback URLs are mapped to it. Nothing else is changed.
globalThis.WebSocket = class extends WS {
  constructor(url, protocols) {
    super(String(url).replace(/^wss:\/\/(127\.0\.0\.1|localhost)([:/])/, 'ws://$1$2'), protocols);
  }
};

async function submit(simulate) {
  const response = await fetch(`${GATEWAY}/jobs`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ input: { prompt: 'a lighthouse at dusk', simulate } }),
  });
  assert.ok(response.ok, `submit: ${response.status}`);
  return response.json();
}

async function discover(jobId) {
  const response = await fetch(`${GATEWAY}/realtime?job=${jobId}`);
  assert.equal(response.status, 200);
  return response.json();
}

function configure(discovery) {
  Amplify.configure({
    API: { Events: { endpoint: discovery.http_endpoint, region: 'us-east-1', defaultAuthMode: 'lambda' } },
  });
}

test('Amplify events.connect with a read token receives every change of the job until it ends', async () => {
  const job = await submit({ duration_ms: 2000, progress_steps: 3 });
  const discovery = await discover(job.id);
  assert.equal(discovery.protocol, 'aws-appsync-event-ws');
  configure(discovery);

  const channel = await events.connect(discovery.channel, { authMode: 'lambda', authToken: job.read_token });
  const received = [];
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no final event; got ${JSON.stringify(received)}`)), 20_000);
      channel.subscribe({
        next: (data) => {
          received.push(data.event);
          if (data.event.status === 'succeeded') {
            clearTimeout(timer);
            resolve();
          }
        },
        error: (error) => {
          clearTimeout(timer);
          reject(new Error(`subscription failed: ${JSON.stringify(error)}`));
        },
      }, { authMode: 'lambda', authToken: job.read_token });
    });
  } finally {
    await channel.close();
  }
  const versions = received.map((event) => event.version);
  assert.deepEqual(versions, [...versions].sort((a, b) => a - b));
  assert.equal(new Set(versions).size, versions.length);
  assert.ok(received.every((event) => event.id === job.id));
  const last = received.at(-1);
  assert.equal(last.job.status, 'succeeded');
  const read = await (await fetch(`${GATEWAY}/jobs/${job.id}`, {
    headers: { Authorization: `Bearer ${job.read_token}` } })).json();
  assert.equal(last.version, read.version);
});

test("Amplify's subscription with another job's token is refused", async () => {
  const mine = await submit({ duration_ms: 60_000 });
  const other = await submit({ duration_ms: 60_000 });
  const discovery = await discover(other.id);
  configure(discovery);

  const channel = await events.connect(discovery.channel, { authMode: 'lambda', authToken: mine.read_token });
  try {
    const failure = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('neither refused nor accepted')), 20_000);
      channel.subscribe({
        next: (data) => {
          clearTimeout(timer);
          reject(new Error(`received ${JSON.stringify(data)}`));
        },
        error: (error) => {
          clearTimeout(timer);
          resolve(error);
        },
      }, { authMode: 'lambda', authToken: mine.read_token });
    });
    assert.match(JSON.stringify(failure), /UnauthorizedException/);
  } finally {
    await channel.close();
  }
});
