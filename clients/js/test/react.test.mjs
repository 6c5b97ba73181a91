// The React hooks (src/react.js) rendered by React 19 (react-test-renderer, no DOM needed) against a real gateway
// (JsClientIT starts it; without GATEWAY_URL these tests are skipped, and the build fails a run that skipped any).
// Every request the hooks send goes through a counting fetch, so "no request after the job ended" is counted, not
// assumed; the page's visibility is a document stand-in whose visibilityState the test flips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement as h } from 'react';
import { create, act } from 'react-test-renderer';

import { createClient } from '../src/index.js';
import { useJob, useJobs, jobQueryOptions, outputUrls } from '../src/react.js';

globalThis.IS_REACT_ACT_ENVIRONMENT = true;

const GATEWAY = process.env.GATEWAY_URL;
const KEY = process.env.GATEWAY_API_KEY;
const skip = GATEWAY ? false : 'GATEWAY_URL is not set: run through ./mvnw verify (JsClientIT)';

const backend = () => createClient({ baseUrl: GATEWAY, apiKey: KEY });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const simulate = (knobs) => ({ prompt: 'a lighthouse at dusk', simulate: knobs });

/** A browser-side client whose requests are counted, each with its signal (to see it aborted). */
function countingClient(token) {
  const requests = [];
  const client = createClient({
    baseUrl: GATEWAY, token,
    fetch: (url, init) => {
      if (init.signal?.aborted) return fetch(url, init); // rejects at once: nothing is sent
      requests.push({ url: String(url), signal: init.signal });
      return fetch(url, init);
    },
  });
  return { client, requests };
}

/** A document stand-in: visibilityState and the visibilitychange event, as browsers have them. */
function page() {
  const doc = new EventTarget();
  doc.visibilityState = 'visible';
  globalThis.document = doc;
  return {
    async set(state) {
      doc.visibilityState = state;
      await act(async () => doc.dispatchEvent(new Event('visibilitychange')));
    },
    remove() {
      delete globalThis.document;
    },
  };
}

async function eventually(check, ms = 15_000) {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) assert.fail(`not within ${ms} ms: ${check}`);
    await act(() => sleep(50));
  }
}

/** Renders `hook(props)` in a component; `latest()` is what it returned at the last render. */
async function render(hook, props) {
  const renders = [];
  function Probe(p) {
    renders.push(hook(p));
    return null;
  }
  let renderer;
  await act(async () => {
    renderer = create(h(Probe, props));
  });
  return {
    renders,
    latest: () => renders.at(-1),
    rerender: (next) => act(async () => renderer.update(h(Probe, next))),
    unmount: () => act(async () => renderer.unmount()),
  };
}

/** Held reads the gateway has open right now (its readiness check counts them). */
async function waiters() {
  const health = await (await fetch(`${GATEWAY}/q/health/ready`)).json();
  return health.checks.find((c) => c.name === 'waits').data.waiters;
}

test('useJob reports status and progress, settles exactly once, and sends no request after the job ended', { skip }, async () => {
  const job = await backend().submit(simulate({ duration_ms: 1500, progress_steps: 3 }));
  const { client, requests } = countingClient(job.read_token);
  const settled = [];
  const probe = await render(({ id }) => useJob(id, { client, onSettled: (j, e) => settled.push([j, e]) }),
    { id: job.id });

  await eventually(() => probe.latest().settled);
  const end = probe.latest();
  assert.equal(end.status, 'succeeded');
  assert.equal(end.progress, 1);
  assert.ok(outputUrls(end.job).length >= 1, 'the output image URL');
  assert.equal(end.error, null);
  const statuses = probe.renders.map((r) => r.status).filter(Boolean);
  assert.ok(statuses.includes('running') || statuses.includes('queued'), `seen before the end: ${statuses}`);
  assert.equal(client.pendingCount, 0, 'no wait, request or timer left');

  const sent = requests.length;
  await probe.rerender({ id: job.id }); // a render after the end starts nothing
  await act(() => sleep(1200));
  assert.equal(requests.length, sent, 'no request after the terminal state');
  assert.equal(settled.length, 1, 'onSettled once');
  assert.equal(settled[0][0].status, 'succeeded');
  await probe.unmount();
});

test('useJob settles once with the failure of a job that failed, and stops', { skip }, async () => {
  const job = await backend().submit(simulate({ duration_ms: 600, outcome: 'failed', error_message: 'out of memory' }));
  const { client, requests } = countingClient(job.read_token);
  let settles = 0;
  const probe = await render(() => useJob(job.id, { client, onSettled: () => settles++ }), {});

  await eventually(() => probe.latest().settled);
  assert.equal(probe.latest().status, 'failed');
  assert.equal(probe.latest().error.name, 'JobFailedError');
  assert.equal(probe.latest().error.jobId, job.id);
  const sent = requests.length;
  await act(() => sleep(800));
  assert.equal(requests.length, sent);
  assert.equal(settles, 1);
  await probe.unmount();
});

test('useJob lets go of its held read while the tab is hidden and reads on when it is shown', { skip }, async () => {
  const visibility = page();
  try {
    const gateway = backend();
    const job = await gateway.submit(simulate({ duration_ms: 1500 }));
    const { client, requests } = countingClient(job.read_token);
    const probe = await render(() => useJob(job.id, { client }), {});
    await eventually(() => client.stats.longPolls >= 1);

    await visibility.set('hidden');
    assert.equal(probe.latest().paused, true);
    assert.equal(client.pendingCount, 0, 'no wait while hidden');
    assert.ok(requests.at(-1).signal.aborted, 'the held read was aborted');
    const whileHidden = requests.length;
    // The job ends at the gateway meanwhile; the hidden page asks nothing.
    await eventually(async () => (await gateway.getJob(job.id)).status === 'succeeded');
    assert.equal(requests.length, whileHidden, 'no request while hidden');
    assert.notEqual(probe.latest().status, 'succeeded');

    await visibility.set('visible');
    await eventually(() => probe.latest().settled);
    assert.equal(probe.latest().status, 'succeeded');
    assert.equal(requests.length, whileHidden + 1, 'one read on return: the job had ended');
    await probe.unmount();
  } finally {
    visibility.remove();
  }
});

test('useJob aborts its request when the component unmounts, and the gateway lets go of the held read', { skip }, async () => {
  const job = await backend().submit(simulate({ duration_ms: 20_000 }));
  const { client, requests } = countingClient(job.read_token);
  const probe = await render(() => useJob(job.id, { client }), {});
  await eventually(() => client.stats.longPolls >= 1);
  await eventually(async () => (await waiters()) >= 1);

  await probe.unmount();
  assert.ok(requests.at(-1).signal.aborted, 'the held read was aborted');
  assert.equal(client.pendingCount, 0);
  await eventually(async () => (await waiters()) === 0);
  const sent = requests.length;
  await act(() => sleep(500));
  assert.equal(requests.length, sent);
  await backend().cancel(job.id);
});

test('useJob honours an AbortSignal, and resumes from the job id alone (a reload)', { skip }, async () => {
  const job = await backend().submit(simulate({ duration_ms: 1200 }));
  const { client, requests } = countingClient(job.read_token);
  const controller = new AbortController();
  const first = await render(() => useJob(job.id, { client, signal: controller.signal }), {});
  await eventually(() => client.stats.longPolls >= 1);
  controller.abort();
  assert.ok(requests.at(-1).signal.aborted);
  await eventually(() => client.pendingCount === 0);
  await first.unmount();

  // A new page with nothing but the id (and a token for it, e.g. from the app's backend).
  const reload = countingClient(job.read_token);
  const second = await render(() => useJob(job.id, { client: reload.client }), {});
  await eventually(() => second.latest().settled);
  assert.equal(second.latest().status, 'succeeded');
  assert.equal(second.latest().id, job.id);
  await second.unmount();
});

test('useJobs follows a list, settles each job once, and stops when every job ended', { skip }, async () => {
  const gateway = backend();
  const jobs = await Promise.all([
    gateway.submit(simulate({ duration_ms: 500 })),
    gateway.submit(simulate({ duration_ms: 1200, outcome: 'failed', error_message: 'nsfw' })),
    gateway.submit(simulate({ duration_ms: 1800, progress_steps: 2 })),
  ]);
  const token = (await gateway.mintReadToken(jobs.map((j) => j.id))).read_token;
  const { client, requests } = countingClient(token);
  const settled = [];
  const probe = await render(({ ids }) => useJobs(ids, { client, onSettled: (j) => settled.push(j.id) }),
    { ids: jobs.slice(0, 2).map((j) => j.id) });
  // The list grows (a third job submitted while the screen is open).
  await probe.rerender({ ids: jobs.map((j) => j.id) });

  await eventually(() => probe.latest().settled);
  const view = probe.latest();
  assert.deepEqual(view.jobs.map((j) => j.status), ['succeeded', 'failed', 'succeeded']);
  assert.equal(view.jobs[1].error.message ?? view.jobs[1].job.error_message, 'nsfw');
  assert.ok(outputUrls(view.jobs[2].job).length >= 1);
  assert.deepEqual([...settled].sort(), jobs.map((j) => j.id).sort(), 'each job settled once');
  assert.equal(client.pendingCount, 0);
  const sent = requests.length;
  await act(() => sleep(1000));
  assert.equal(requests.length, sent, 'no request after every job ended');
  assert.ok(sent <= 12, `few requests for three jobs: ${sent}`);
  await probe.unmount();
});

test('useJobs stops its watch while the tab is hidden and starts again from the versions it holds', { skip }, async () => {
  const visibility = page();
  try {
    const gateway = backend();
    const jobs = await Promise.all([1500, 1500].map((ms) => gateway.submit(simulate({ duration_ms: ms }))));
    const token = (await gateway.mintReadToken(jobs.map((j) => j.id))).read_token;
    const { client, requests } = countingClient(token);
    const probe = await render(() => useJobs(jobs.map((j) => j.id), { client, initialJobs: jobs }), {});
    await eventually(() => client.stats.longPolls >= 1);

    await visibility.set('hidden');
    assert.equal(probe.latest().paused, true);
    assert.equal(client.pendingCount, 0);
    const whileHidden = requests.length;
    await eventually(async () => (await Promise.all(jobs.map((j) => gateway.getJob(j.id))))
      .every((j) => j.status === 'succeeded'));
    assert.equal(requests.length, whileHidden, 'no request while hidden');

    await visibility.set('visible');
    await eventually(() => probe.latest().settled);
    assert.deepEqual(probe.latest().jobs.map((j) => j.status), ['succeeded', 'succeeded']);
    assert.equal(client.pendingCount, 0);
    await probe.unmount();
  } finally {
    visibility.remove();
  }
});

test('jobQueryOptions: a query key per job, an abortable read, and no refetch once the job ended', { skip }, async () => {
  const job = await backend().submit(simulate({ duration_ms: 400 }));
  const { client, requests } = countingClient(job.read_token);
  const options = jobQueryOptions(job.id, { client });
  assert.deepEqual(options.queryKey, ['job-gateway', 'job', job.id]);

  const first = await options.queryFn({ signal: new AbortController().signal });
  assert.equal(first.id, job.id);
  if (first.status !== 'succeeded') {
    assert.ok(options.refetchInterval({ state: { data: first } }) > 0, 'refetches while the job runs');
  }
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(options.queryFn({ signal: aborted.signal }), { name: 'AbortError' });

  await eventually(async () => (await backend().getJob(job.id)).status === 'succeeded');
  const last = await options.queryFn({ signal: new AbortController().signal });
  assert.equal(options.refetchInterval({ state: { data: last } }), false, 'no refetch after the end (v5)');
  assert.equal(options.refetchInterval(last), false, 'nor with v4\'s signature');
  assert.equal(options.staleTime({ state: { data: last } }), Infinity);
  assert.equal(requests.length, 2, 'the aborted read sent nothing');
});
