// The list screen of the seed article, live: built on the JavaScript client, served from an origin of its own.
// Its backend (POST /api/jobs, POST /api/read-tokens) holds the API key; the page reads the gateway directly with
// read tokens. A row is redrawn only when its job's version moves, so each change is drawn exactly once.
import { createClient } from '/client/index.js';

const POLLING_INTERVAL_MS = 3000; // the article's polling loop, for the comparison

/**
 * Ten jobs that differ the ways real ones do: provider (all six the gateway has, on the simulated AI server's
 * dialects), duration, outcome, progress, how (and whether) webhooks arrive.
 */
const SCENARIOS = [
  { label: '2 s, 2 progress steps', provider: 'replicate', model: 'black-forest-labs/flux-schnell',
    simulate: { duration_ms: 2000, progress_steps: 2 } },
  { label: '3.5 s, the article\'s example', provider: 'fal', model: 'fal-ai/flux/dev',
    simulate: { duration_ms: 3500, progress_steps: 3 } },
  { label: '6 s, webhooks dropped', simulate: { duration_ms: 6000, progress_steps: 1, webhook: 'drop' } },
  { label: '1 s, webhooks duplicated', provider: 'cog', simulate: { duration_ms: 1000, webhook: 'duplicate' } },
  { label: '8 s, webhooks out of order', simulate: { duration_ms: 8000, progress_steps: 3, webhook: 'out_of_order' } },
  { label: '10 s, fails', simulate: { duration_ms: 10000, progress_steps: 2, outcome: 'failed',
    error_message: 'NSFW filter triggered' } },
  // RunPod sends no progress webhooks, so the fallback's checks (3 s after the submit, then every 2 s in the browser
  // test) fall at 3 s and 5 s: the late webhook comes between them, never racing a check.
  { label: '4 s, webhooks 300 ms late', provider: 'runpod', simulate: { duration_ms: 4000, webhook: 'delay_ms:300' } },
  { label: '7 s, webhooks dropped, fails', simulate: { duration_ms: 7000, webhook: 'drop', outcome: 'failed',
    error_message: 'CUDA out of memory' } },
  { label: '12 s, 2 progress steps', setup: 'one fixed URL',
    simulate: { duration_ms: 12000, progress_steps: 2, fixed_webhook_url: true } },
  { label: '15 s, 4 progress steps', provider: 'comfyui', setup: 'polled, no webhooks',
    simulate: { duration_ms: 15000, progress_steps: 4 } },
];

/** ComfyUI takes a workflow graph (its default text-to-image one, in API format); its knobs ride in extra_data. */
function comfyInput(prompt, simulate) {
  return {
    workflow: {
      4: { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
      6: { class_type: 'CLIPTextEncode', inputs: { text: prompt, clip: ['4', 1] } },
      5: { class_type: 'EmptyLatentImage', inputs: { width: 1024, height: 1024, batch_size: 1 } },
      3: { class_type: 'KSampler', inputs: { seed: 42, steps: 20, cfg: 7, sampler_name: 'euler', scheduler: 'normal',
        denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['6', 0], latent_image: ['5', 0] } },
      8: { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
      9: { class_type: 'SaveImage', inputs: { filename_prefix: 'demo', images: ['8', 0] } },
    },
    extra_data: { simulate },
  };
}

/** A job's output images: the stored copies' URLs, else every http(s) or data: URL in its output. */
function outputUrls(job) {
  const stored = (job.output_files ?? []).map((file) => file.url).filter(Boolean);
  if (stored.length) return stored;
  const urls = [];
  const walk = (value) => {
    if (typeof value === 'string' && /^(https?:|data:)/i.test(value)) urls.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(job.output);
  return urls;
}

const config = await (await fetch('/config.json')).json();

/** The app's backend, as the page sees it: it alone talks to the gateway with the API key. */
const backend = {
  mints: 0,
  async submit(scenario) {
    const response = await fetch('/api/jobs', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        provider: scenario.provider ?? 'generic',
        model: scenario.model,
        input: scenario.provider === 'comfyui' ? comfyInput(`demo: ${scenario.label}`, scenario.simulate)
          : { prompt: `demo: ${scenario.label}`, simulate: scenario.simulate },
      }),
    });
    if (response.status !== 202) throw new Error(`submit failed: ${response.status} ${await response.text()}`);
    return response.json();
  },
  async readToken(ids) {
    this.mints++;
    const response = await fetch('/api/read-tokens', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ job_ids: ids }),
    });
    if (!response.ok) throw new Error(`read token refused: ${response.status}`);
    return (await response.json()).read_token;
  },
};

/** Which transport served the list (push, long-poll) and why, as the client said. */
const transports = [];
const client = createClient({
  baseUrl: config.gateway,
  getToken: (ids) => backend.readToken(ids),
  onRequest: () => scheduleCounters(),
  onTransport: (event) => {
    transports.push(event);
    console.info(`[transport] ${event.type} ${event.reason ?? ''} (${event.target})`);
  },
});

const $ = (id) => document.getElementById(id);
const rows = new Map();
let watch = null;
let draws = 0;

function cell(tr, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  tr.append(td);
  return td;
}

function addRow(job, scenario) {
  const tr = document.createElement('tr');
  tr.dataset.id = job.id;
  const row = {
    tr, scenario, version: 0, draws: 0, finalAt: null, delayMs: null, createdAt: Date.parse(job.created_at),
    cells: {
      id: cell(tr, 'id'), scenario: cell(tr, 'scenario'), setup: cell(tr, 'setup'), status: cell(tr, 'status'),
      progress: cell(tr, 'progress'), output: cell(tr, 'output'), via: cell(tr, 'via'), delay: cell(tr, 'delay'),
      draws: cell(tr, 'draws'),
    },
  };
  row.cells.id.textContent = `${job.id.slice(0, 12)}…`;
  row.cells.scenario.textContent = scenario.label;
  row.cells.setup.textContent = `${scenario.provider ?? 'generic'}, ${scenario.setup ?? 'per-job URL'}`;
  tr.dataset.provider = scenario.provider ?? 'generic';
  row.cells.progress.innerHTML = '<div class="bar"><i></i></div>';
  rows.set(job.id, row);
  $('rows').append(tr);
  draw(job);
}

/** Draws one job's row; called once per new version (the client reports each version once). */
function draw(job) {
  const row = rows.get(job.id);
  if (!row || job.version <= row.version) return;
  row.version = job.version;
  row.draws++;
  draws++;
  const { cells, tr } = row;
  tr.dataset.status = job.status;
  tr.dataset.version = String(job.version);
  tr.dataset.draws = String(row.draws);
  cells.status.innerHTML = '';
  const badge = document.createElement('span');
  badge.className = `badge ${job.status}`;
  badge.textContent = job.status;
  cells.status.append(badge);
  if (job.error_message) {
    const error = document.createElement('span');
    error.className = 'error';
    error.textContent = `${job.error_message} (${job.error?.source})`;
    cells.status.append(error);
  }
  const progress = job.status === 'succeeded' ? 1 : (job.progress ?? 0);
  cells.progress.firstChild.firstChild.style.width = `${Math.round(progress * 100)}%`;
  // The images themselves: an image service's list is thumbnails (the simulator serves real PNGs).
  const urls = job.status === 'succeeded' ? outputUrls(job) : [];
  if (urls.join() !== (cells.output.dataset.urls ?? '')) {
    cells.output.dataset.urls = urls.join();
    cells.output.replaceChildren(...urls.map((url) => Object.assign(document.createElement('img'), {
      src: url, alt: `output of ${row.scenario.label}`, width: 48, height: 48,
    })));
  }
  cells.via.textContent = job.completed_via ?? '–';
  cells.via.className = `via ${job.completed_via === 'poll' ? 'via-poll' : ''}`;
  cells.draws.textContent = String(row.draws);
  if (job.completed_at && row.finalAt === null) {
    row.finalAt = Date.now();
    row.completedAt = Date.parse(job.completed_at);
    row.completedVia = job.completed_via;
    row.delayMs = row.finalAt - row.completedAt;
    tr.dataset.delayMs = String(row.delayMs);
    cells.delay.textContent = `+${row.delayMs} ms`;
    scheduleCounters();
  }
}

/** Polling every 3 s from the submit on: a request at 0, 3, 6 s ... until one sees the job done. */
function pollingEquivalent(row) {
  const lifetime = row.completedAt - row.createdAt;
  const polls = Math.ceil(lifetime / POLLING_INTERVAL_MS) + 1;
  return { requests: polls, delayMs: Math.ceil(lifetime / POLLING_INTERVAL_MS) * POLLING_INTERVAL_MS - lifetime };
}

let countersQueued = false;
function scheduleCounters() {
  if (countersQueued) return;
  countersQueued = true;
  requestAnimationFrame(() => {
    countersQueued = false;
    const r = results();
    $('requests').textContent = String(r.requests);
    $('requests-detail').textContent = `${r.pushed} changes pushed, ${r.longPolls} held reads for `
      + `${r.draws - r.rows.length} changes after the submits, ${r.notModified} answered 304; + ${r.mints} read token `
      + 'from the backend';
    $('polling').textContent = r.finished ? String(r.pollingRequests) : `≥ ${r.pollingRequests}`;
    $('polling-detail').textContent = r.finished
      ? `the article's loop, per job, for the same ${r.finished}; it would see them ${r.pollingMeanDelayMs} ms `
        + 'after completion on average' : ' ';
    $('delay').textContent = r.finished ? `${r.meanDelayMs} ms` : '–';
    $('delay-detail').textContent = r.finished ? `max ${r.maxDelayMs} ms over ${r.finished} finished job(s)` : ' ';
  });
}

/** Everything the page measured, for the counters and for the browser test. */
function results() {
  const all = [...rows.entries()].map(([id, row]) => ({
    id, scenario: row.scenario.label, provider: row.scenario.provider ?? 'generic', status: row.tr.dataset.status, version: row.version, draws: row.draws,
    completed_via: row.completedVia ?? null, delay_ms: row.delayMs,
    lifetime_ms: row.finalAt === null ? null : row.completedAt - row.createdAt,
    simulated_ms: row.scenario.simulate.duration_ms,
    polling: row.finalAt === null ? null : pollingEquivalent(row),
  }));
  const done = all.filter((r) => r.delay_ms !== null);
  const unfinishedPolls = [...rows.values()].filter((row) => row.finalAt === null)
    .reduce((sum, row) => sum + Math.floor((Date.now() - row.createdAt) / POLLING_INTERVAL_MS) + 1, 0);
  const mean = (values) => (values.length ? Math.round(values.reduce((a, b) => a + b, 0) / values.length) : null);
  return {
    rows: all,
    finished: done.length,
    requests: client.stats.requests,
    longPolls: client.stats.longPolls,
    pushed: client.stats.pushed,
    subscriptions: client.stats.subscriptions,
    transports: transports.map((e) => ({ type: e.type, reason: e.reason ?? null })),
    notModified: client.stats.notModified,
    fallbacks: client.stats.fallbacks,
    mints: backend.mints,
    draws,
    pollingRequests: done.reduce((sum, r) => sum + r.polling.requests, 0) + unfinishedPolls,
    meanDelayMs: mean(done.map((r) => r.delay_ms)),
    maxDelayMs: done.length ? Math.max(...done.map((r) => r.delay_ms)) : null,
    pollingMeanDelayMs: mean(done.map((r) => r.polling.delayMs)),
    pending: client.pendingCount,
  };
}

async function submit(scenarios) {
  $('submit-one').disabled = true;
  $('submit-ten').disabled = true;
  $('state').textContent = `submitting ${scenarios.length} job(s) through the backend…`;
  try {
    const jobs = await Promise.all(scenarios.map((scenario) => backend.submit(scenario)));
    jobs.forEach((job, i) => addRow(job, scenarios[i]));
    if (watch) {
      watch.add(jobs);
    } else {
      const current = client.watchJobs(jobs, draw);
      watch = current;
      current.done.then(() => {
        if (watch === current) watch = null;
        $('state').textContent = 'every job has ended';
        scheduleCounters();
      }, (error) => {
        console.error('watch failed', error);
        $('state').textContent = `watch failed: ${error.message}`;
      });
    }
    $('state').textContent = `watching ${rows.size} job(s)`;
  } catch (error) {
    console.error(error);
    $('state').textContent = error.message;
  } finally {
    $('submit-one').disabled = false;
    $('submit-ten').disabled = false;
  }
}

$('submit-one').addEventListener('click', () => submit([SCENARIOS[Math.floor(Math.random() * SCENARIOS.length)]]));
$('submit-ten').addEventListener('click', () => submit(SCENARIOS));
window.addEventListener('pagehide', () => client.close());

// For the browser test: what the page measured.
window.demo = { results, scenarios: SCENARIOS.length };
document.body.dataset.ready = 'true';
