// The Next.js example in a real browser: Debian's Chromium driven by playwright-core (the client's devDependency,
// never a downloaded browser), the app built with `next build` and served by `next start`, its client installed from
// the `npm pack` tarball. Started by the Maven build (BrowserDemoIT), which passes the addresses in the environment;
// skipped without them (the build fails a run in which it was skipped).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const APP = process.env.NEXT_APP_URL;
const GATEWAY = process.env.GATEWAY_URL;
const API_KEY = process.env.GATEWAY_API_KEY;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PLAYWRIGHT = process.env.PLAYWRIGHT_FROM; // a package.json beside which playwright-core is installed
const SCREENSHOT = process.env.SCREENSHOT_PATH;
const RESULTS = process.env.RESULTS_PATH;
const skip = APP && GATEWAY && PLAYWRIGHT ? false
  : 'NEXT_APP_URL, GATEWAY_URL and PLAYWRIGHT_FROM are not set: run through ./mvnw verify (BrowserDemoIT)';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PROVIDERS = ['generic', 'replicate', 'fal', 'cog', 'runpod', 'comfyui'];

test('six jobs on six providers: submitted through the app\'s routes, watched live to their ends, shown as images, '
  + 'then nothing more read; a reload resumes from the ids', { skip, timeout: 180_000 }, async () => {
  const { chromium } = createRequire(PLAYWRIGHT)('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'job-gateway-next-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1200, height: 800 },
  });
  try {
    const page = await context.newPage();
    const problems = [];
    const gatewayRequests = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => {
      // A held read the hooks end themselves (the list grew, the page went away) is aborted on purpose.
      if (!request.failure()?.errorText.includes('ERR_ABORTED')) problems.push(`request failed: ${request.url()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    page.on('request', (request) => {
      if (request.url().startsWith(GATEWAY) && request.method() !== 'OPTIONS') {
        gatewayRequests.push({ url: request.url(), authorization: request.headers().authorization ?? '' });
      }
    });

    await page.goto(APP);
    assert.notEqual(new URL(APP).origin, new URL(GATEWAY).origin, 'the app is on another origin than the gateway');
    const started = Date.now();
    await page.getByRole('button', { name: 'Submit one job per provider' }).click();
    await page.waitForSelector('[data-testid="state"][data-settled="true"]', { timeout: 120_000 });
    const settledMs = Date.now() - started;
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="job"] img')].every((i) => i.complete),
      null, { timeout: 10_000 });

    const rows = await page.$$eval('[data-testid="job"]', (items) => items.map((item) => ({
      id: item.dataset.id,
      status: item.dataset.status,
      provider: item.querySelector('[data-testid="provider"]').textContent,
      images: [...item.querySelectorAll('img')].map((img) => ({ src: img.src, loaded: img.complete && img.naturalWidth > 0 })),
    })));
    assert.deepEqual(rows.map((r) => r.provider).sort(), [...PROVIDERS].sort());
    for (const row of rows) {
      assert.equal(row.status, 'succeeded', `${row.provider}: ${row.status}`);
      assert.ok(row.images.length >= 1, `${row.provider}: a thumbnail`);
      for (const image of row.images) assert.ok(image.loaded, `${row.provider}: ${image.src} is shown`);
    }

    // Every job ended: the hooks read nothing more.
    const afterEnd = gatewayRequests.length;
    await page.waitForTimeout(1500);
    assert.equal(gatewayRequests.length, afterEnd, 'no request to the gateway after every job ended');
    // Reads carry read tokens; push's discovery (GET /realtime) carries no credentials at all.
    const reads = gatewayRequests.filter((r) => new URL(r.url).pathname !== '/realtime');
    assert.ok(reads.every((r) => r.authorization.startsWith('Bearer ey'))
      && gatewayRequests.every((r) => !r.authorization.includes(API_KEY)),
      'the page reads with read tokens, never the API key');
    const html = await page.content();
    assert.ok(!html.includes(`Bearer ${API_KEY}`) && !html.includes(`"${API_KEY}"`), 'the API key is not in the page');
    if (SCREENSHOT) {
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }

    // A reload: the ids in the address are all the list needs.
    const beforeReload = gatewayRequests.length;
    await page.reload();
    await page.waitForSelector('[data-testid="state"][data-settled="true"]', { timeout: 30_000 });
    const resumed = await page.$$eval('[data-testid="job"]', (items) => items.map((i) => [i.dataset.id, i.dataset.status]));
    assert.deepEqual(resumed, rows.map((r) => [r.id, 'succeeded']));
    const reloadRequests = gatewayRequests.length - beforeReload;
    assert.ok(reloadRequests <= 2, `one batch read of the ended jobs after the reload, not ${reloadRequests}`);

    assert.deepEqual(problems, []);
    if (RESULTS) {
      mkdirSync(dirname(RESULTS), { recursive: true });
      writeFileSync(RESULTS, JSON.stringify({ jobs: rows.length, settledMs, requests: afterEnd, reloadRequests }));
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
