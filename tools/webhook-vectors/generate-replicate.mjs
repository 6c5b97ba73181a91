// Regenerates ../../src/test/resources/replicate-webhook-vectors.json: Replicate-shaped webhooks (the prediction object
// Replicate posts, at each of its events) signed and judged by the Standard Webhooks reference libraries
// (standardwebhooks, and svix with its svix-* header names), the scheme Replicate signs with. Run: npm ci && npm run
// generate. The Java test (ReplicateWebhookVectorsTest) only reads the JSON. Everything is fixed, so the output is the
// same on every run.
import { T0, TOLERANCE, libraryAccepts, secretFor, sign, std, versions, writeVectors } from "./lib.mjs";

const secret = secretFor("replicate vector");
const CURRENT = secret("current");
const PREVIOUS = secret("previous");
const OTHER = secret("another account");


/** A prediction as Replicate posts it. */
const prediction = (status, extra = {}) => JSON.stringify({
  id: "ufawqhfynnddngldkgtslldrkq",
  model: "black-forest-labs/flux-schnell",
  version: "5599ed30703defd1d160a25a63321b4dec97101d98b4674bcc56e41f62f35637",
  input: { prompt: "a lighthouse at dusk" },
  logs: "",
  output: null,
  data_removed: false,
  error: null,
  status,
  created_at: "2026-01-01T00:00:00.123456789Z",
  started_at: status === "starting" ? null : "2026-01-01T00:00:01.5Z",
  completed_at: null,
  urls: {
    get: "https://api.replicate.com/v1/predictions/ufawqhfynnddngldkgtslldrkq",
    cancel: "https://api.replicate.com/v1/predictions/ufawqhfynnddngldkgtslldrkq/cancel",
    web: "https://replicate.com/p/ufawqhfynnddngldkgtslldrkq",
  },
  ...extra,
});
const EVENTS = {
  start: prediction("processing"),
  logs: prediction("processing", { logs: "Using seed: 42\n 45%|████▌     | 45/100 [00:02<00:02, 20.1it/s]\n" }),
  output: prediction("processing", { output: ["https://replicate.delivery/xezq/out-0.webp"],
    logs: "100%|██████████| 4/4 [00:01<00:00]\n" }),
  completed: prediction("succeeded", { output: ["https://replicate.delivery/xezq/out-0.webp"],
    completed_at: "2026-01-01T00:00:03.9Z", metrics: { predict_time: 2.4, total_time: 3.8 } }),
  failed: prediction("failed", { error: "CUDA out of memory", completed_at: "2026-01-01T00:00:03.9Z" }),
  canceled: prediction("canceled", { completed_at: "2026-01-01T00:00:03.9Z" }),
  aborted: prediction("aborted", { started_at: null, completed_at: "2026-01-01T00:05:00Z" }),
};
const STATUS = { start: "running", logs: "running", output: "running", completed: "succeeded", failed: "failed",
  canceled: "cancelled", aborted: "failed" };

const vectors = [];
function add({ name, lib, secrets = [CURRENT], headers, payload, now, expect, status }) {
  const accepted = libraryAccepts(lib, secrets, headers, payload, now);
  if (accepted !== expect) {
    throw new Error(`${name}: meant to be ${expect ? "valid" : "invalid"}, but ${lib} says ${accepted}`);
  }
  vectors.push({
    name,
    library: `${lib}@${versions[lib]}`,
    accepted_secrets: secrets,
    headers,
    payload,
    now,
    library_accepts: accepted,
    ...(accepted ? { gateway_status: status } : {}),
  });
}
const svixHeaders = (id, ts, signature) => ({ "svix-id": id, "svix-timestamp": String(ts), "svix-signature": signature });

for (const lib of ["standardwebhooks", "svix"]) {
  const p = lib === "svix" ? "svix" : "sw";
  const headersOf = lib === "svix" ? svixHeaders : std;
  for (const [event, body] of Object.entries(EVENTS)) {
    const id = `msg_replicate_${p}_${event}`;
    add({ lib, name: `${p}: replicate ${event} webhook`, headers: headersOf(id, T0, sign(lib, CURRENT, id, T0, body)),
      payload: body, now: T0, expect: true, status: STATUS[event] });
  }
  const body = EVENTS.completed;
  const id = `msg_replicate_${p}_edge`;
  const sig = sign(lib, CURRENT, id, T0, body);
  add({ lib, name: `${p}: replicate resend, same webhook-id, 4 minutes later`, headers: headersOf(id, T0 + 240,
    sign(lib, CURRENT, id, T0 + 240, body)), payload: body, now: T0 + 241, expect: true, status: "succeeded" });
  add({ lib, name: `${p}: replicate rotation, previous secret`, secrets: [CURRENT, PREVIOUS],
    headers: headersOf(id, T0, sign(lib, PREVIOUS, id, T0, body)), payload: body, now: T0, expect: true,
    status: "succeeded" });
  add({ lib, name: `${p}: replicate 299 s old`, headers: headersOf(id, T0, sig), payload: body, now: T0 + 299,
    expect: true, status: "succeeded" });
  add({ lib, name: `${p}: replicate tampered output`, headers: headersOf(id, T0, sig),
    payload: body.replace("out-0.webp", "evil.webp"), now: T0, expect: false });
  add({ lib, name: `${p}: replicate status changed after signing`, headers: headersOf(id, T0,
    sign(lib, CURRENT, id, T0, EVENTS.failed)), payload: EVENTS.failed.replace("\"failed\"", "\"succeeded\""), now: T0,
  expect: false });
  add({ lib, name: `${p}: replicate signed by another account`, headers: headersOf(id, T0,
    sign(lib, OTHER, id, T0, body)), payload: body, now: T0, expect: false });
  add({ lib, name: `${p}: replicate previous secret after the rotation`, headers: headersOf(id, T0,
    sign(lib, PREVIOUS, id, T0, body)), payload: body, now: T0, expect: false });
  add({ lib, name: `${p}: replicate 301 s old`, headers: headersOf(id, T0, sig), payload: body, now: T0 + 301,
    expect: false });
  add({ lib, name: `${p}: replicate 301 s in the future`, headers: headersOf(id, T0, sig), payload: body,
    now: T0 - 301, expect: false });
  add({ lib, name: `${p}: replicate webhook-id changed after signing`, headers: headersOf(id + "x", T0, sig),
    payload: body, now: T0, expect: false });
}

writeVectors("../../src/test/resources/replicate-webhook-vectors.json",
  "Replicate-shaped webhooks signed and judged by the Standard Webhooks reference libraries; regenerate "
    + "with tools/webhook-vectors (npm ci && npm run generate). 'now' is the verifier's clock in epoch seconds; "
    + "'gateway_status' what the accepted prediction becomes.",
  vectors, vectors.filter((v) => v.library_accepts).length, "Replicate vectors");
