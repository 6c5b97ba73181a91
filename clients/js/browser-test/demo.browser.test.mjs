// The list-screen demo in a real browser: Debian's Chromium driven by playwright-core (no downloaded browser), the
// page served from another origin than the gateway (the demo's own server, which is also its API-key-holding
// backend). Started by the Maven build (BrowserDemoIT), which passes the addresses in the environment; skipped
// without them (the build fails a run in which it was skipped).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const DEMO = process.env.DEMO_URL;
const GATEWAY = process.env.GATEWAY_URL;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = (process.env.SCREENSHOT_PATHS ?? '').split(',').filter(Boolean);
const RESULTS = process.env.RESULTS_PATH;
const skip = DEMO && GATEWAY ? false : 'DEMO_URL and GATEWAY_URL are not set: run through ./mvnw verify (BrowserDemoIT)';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TERMINAL = ['succeeded', 'failed', 'cancelled'];

test('ten jobs on the live list screen: every row reaches its end, each change drawn once, fewer requests than polling',
  { skip, timeout: 180_000 }, async () => {
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(join(tmpdir(), 'job-gateway-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1340, height: 860 },
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
        // A held read the page itself ends (a watch that grows or stops) is aborted on purpose.
        if (!request.failure()?.errorText.includes('ERR_ABORTED')) problems.push(`request failed: ${request.url()}`);
      });
      page.on('request', (request) => {
        if (request.url().startsWith(GATEWAY)) gatewayRequests.push(`${request.method()} ${request.url()}`);
      });

      await page.goto(DEMO);
      await page.waitForSelector('body[data-ready="true"]');
      assert.notEqual(new URL(DEMO).origin, new URL(GATEWAY).origin, 'the page is on another origin');
      await page.click('#submit-ten');

      await page.waitForFunction((terminal) => {
        const rows = [...document.querySelectorAll('#rows tr')];
        return rows.length === 10 && rows.every((r) => terminal.includes(r.dataset.status) && r.dataset.delayMs);
      }, TERMINAL, { timeout: 120_000, polling: 100 });
      await page.waitForFunction(() => document.getElementById('state').textContent === 'every job has ended');
      await page.waitForFunction(() => [...document.querySelectorAll('#rows img')].every((img) => img.complete));
      await page.waitForTimeout(300); // the counters draw on the next animation frame
      const results = await page.evaluate(() => window.demo.results());
      const dom = await page.$$eval('#rows tr', (rows) => rows.map((r) => ({
        status: r.dataset.status,
        badge: r.querySelector('.badge').textContent,
        bar: r.querySelector('.bar > i').style.width,
        error: r.querySelector('.error')?.textContent ?? null,
        via: r.querySelector('td.via').textContent,
        delay: r.querySelector('td.delay').textContent,
        draws: Number(r.dataset.draws),
        version: Number(r.dataset.version),
        provider: r.dataset.provider,
        images: [...r.querySelectorAll('td.output img')].map((img) => img.complete && img.naturalWidth > 0),
      })));
      const counter = Number(await page.textContent('#requests'));
      for (const path of SCREENSHOTS) {
        mkdirSync(dirname(path), { recursive: true });
        await page.screenshot({ path, fullPage: true });
      }

      // every row at its final state, as the scenarios say
      const byScenario = Object.fromEntries(results.rows.map((r, i) => [r.scenario, { ...r, dom: dom[i] }]));
      assert.equal(dom.length, 10);
      assert.deepEqual([...new Set(dom.map((r) => r.provider))].sort(),
        ['cog', 'comfyui', 'fal', 'generic', 'replicate', 'runpod'], 'all six providers');
      for (const row of Object.values(byScenario)) {
        const fails = /fails/.test(row.scenario);
        const dropped = /dropped/.test(row.scenario);
        assert.equal(row.status, fails ? 'failed' : 'succeeded', row.scenario);
        assert.equal(row.dom.badge, row.status, row.scenario);
        // ComfyUI sends no webhooks: the gateway polls it
        assert.equal(row.completed_via, dropped || row.provider === 'comfyui' ? 'poll' : 'webhook', row.scenario);
        assert.equal(row.dom.provider, row.provider);
        // a succeeded job shows its output image itself, loaded from where the output is
        if (fails) assert.deepEqual(row.dom.images, [], row.scenario);
        else assert.ok(row.dom.images.length >= 1 && row.dom.images.every(Boolean), `${row.scenario}: ${row.dom.images}`);
        assert.equal(row.dom.via, row.completed_via);
        assert.match(row.dom.delay, /^\+\d+ ms$/, row.scenario);
        if (fails) assert.match(row.dom.error, /\(ai_server\)$/, row.scenario);
        else assert.equal(row.dom.bar, '100%', row.scenario);
        // each change drawn once: a draw per version the page saw, never more than the job has had
        assert.ok(row.draws >= 2 && row.draws <= row.version, `${row.scenario}: ${row.draws} draws, v${row.version}`);
      }
      assert.equal(results.draws, results.rows.reduce((sum, r) => sum + r.draws, 0));

      // the counter is what the browser really sent (preflights aside), and far below polling every 3 s
      const reads = gatewayRequests.filter((r) => r.startsWith('GET '));
      assert.equal(counter, results.requests);
      assert.equal(results.requests, reads.length, reads.join('\n'));
      assert.ok(results.requests < results.pollingRequests,
        `${results.requests} requests vs ${results.pollingRequests} when polling every 3 s`);
      // on push while it is healthy: one subscription per row, every change after the first read pushed, no
      // held read at all
      assert.deepEqual(results.transports, [{ type: 'push', reason: null }], JSON.stringify(results.transports));
      assert.equal(results.longPolls, 0, 'no long-poll while push is healthy');
      assert.equal(results.subscriptions, 10);
      assert.ok(results.pushed >= results.rows.length, `${results.pushed} events pushed for ten jobs`);
      // at most one request per change drawn (plus the first held read): the page never polls on a timer
      assert.ok(results.requests <= results.draws - results.rows.length + 1, `${results.requests} requests for `
        + `${results.draws - results.rows.length} changes after the submit answers`);
      // each row changed on screen within a fraction of polling's delay after the gateway had its end
      assert.ok(results.maxDelayMs < 1_000, `slowest row ${results.maxDelayMs} ms after completion`);
      assert.equal(results.mints, 1, 'one read token for the list');
      assert.equal(results.pending, 0, 'no wait left behind');
      assert.deepEqual(problems, []);

      if (RESULTS) {
        mkdirSync(dirname(RESULTS), { recursive: true });
        writeFileSync(RESULTS, JSON.stringify({ ...results, gatewayRequests }, null, 2));
      }
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
