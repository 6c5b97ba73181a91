// Regenerates ../../src/test/resources/webhook-vectors.json: Standard Webhooks test vectors made and judged by the
// reference libraries (standardwebhooks, and svix, which wraps its own copy and adds svix-* header names).
// Run: npm ci && npm run generate. The Java test (StandardWebhookVectorsTest) only reads the JSON; it needs no node.
// Everything is fixed (secrets, ids, timestamps, each vector's "now"), so the output is the same on every run.
import { T0, TOLERANCE, libraryAccepts, secretFor, sign, std, versions, writeVectors } from "./lib.mjs";

const secret = secretFor("test vector");
const CURRENT = secret("current");
const PREVIOUS = secret("previous");
const OTHER = secret("not ours");

const vectors = [];
/**
 * Adds a vector. `expect` is what it is meant to show; the library's own verdict must agree, unless `deviation`
 * says why the gateway is deliberately stricter than the library.
 */
function add({ name, lib = "standardwebhooks", secrets = [CURRENT], headers, payload, now, expect, deviation }) {
  const accepted = libraryAccepts(lib, secrets, headers, payload, now);
  const gatewayAccepts = deviation ? !accepted : accepted;
  if (gatewayAccepts !== expect) {
    throw new Error(`${name}: meant to be ${expect ? "valid" : "invalid"}, but ${lib} says ${accepted}`);
  }
  vectors.push({
    name,
    library: `${lib}@${versions[lib === "svix" ? "svix" : "standardwebhooks"]}`,
    accepted_secrets: secrets,
    headers,
    payload,
    now,
    library_accepts: accepted,
    gateway_accepts: gatewayAccepts,
    ...(deviation ? { deviation } : {}),
  });
}

const body = JSON.stringify({ job_id: "sim_0001", status: "succeeded", output: { images: [{ url: "https://x/1.png" }] } });

for (const lib of ["standardwebhooks", "svix"]) {
  const s = (id, ts, payload, key = CURRENT) => sign(lib, key, id, ts, payload);
  const p = lib === "svix" ? "svix" : "sw";
  const id = `msg_${p}_2KWPBgLlAfxdpx2AI54pPJ85f4W`;
  const sig = s(id, T0, body);

  // Valid
  add({ lib, name: `${p}: signed now`, headers: std(id, T0, sig), payload: body, now: T0, expect: true });
  add({ lib, name: `${p}: 299 s old`, headers: std(id, T0, sig), payload: body, now: T0 + 299, expect: true });
  add({ lib, name: `${p}: exactly 300 s old`, headers: std(id, T0, sig), payload: body, now: T0 + 300, expect: true });
  add({ lib, name: `${p}: 300 s in the future`, headers: std(id, T0, sig), payload: body, now: T0 - 300, expect: true });
  add({ lib, name: `${p}: rotation, signed with the current secret`, secrets: [CURRENT, PREVIOUS],
    headers: std(id, T0, sig), payload: body, now: T0, expect: true });
  add({ lib, name: `${p}: rotation, signed with the previous secret`, secrets: [CURRENT, PREVIOUS],
    headers: std(id, T0, s(id, T0, body, PREVIOUS)), payload: body, now: T0, expect: true });
  add({ lib, name: `${p}: two signatures, the second ours`, headers: std(id, T0, `${s(id, T0, body, OTHER)} ${sig}`),
    payload: body, now: T0, expect: true });
  add({ lib, name: `${p}: two signatures, the first ours`, headers: std(id, T0, `${sig} ${s(id, T0, body, OTHER)}`),
    payload: body, now: T0, expect: true });
  add({ lib, name: `${p}: unknown version before a v1 signature`,
    headers: std(id, T0, `v2,${sig.slice(3)} ${sig}`), payload: body, now: T0, expect: true });
  add({ lib, name: `${p}: old and new secret both signing during rotation`, secrets: [PREVIOUS],
    headers: std(id, T0, `${sig} ${s(id, T0, body, PREVIOUS)}`), payload: body, now: T0, expect: true });
  const unicode = JSON.stringify({ job_id: "sim_ü", status: "failed", error_message: "Ünïcödé 🚫 画像 — NSFW" });
  add({ lib, name: `${p}: non-ASCII payload (UTF-8)`, headers: std(id, T0, s(id, T0, unicode)), payload: unicode,
    now: T0, expect: true });
  add({ lib, name: `${p}: empty JSON object`, headers: std(id, T0, s(id, T0, "{}")), payload: "{}", now: T0, expect: true });
  const large = JSON.stringify({ job_id: "sim_big", status: "succeeded", output: { blob: "x".repeat(20000) } });
  add({ lib, name: `${p}: 20 kB payload`, headers: std(id, T0, s(id, T0, large)), payload: large, now: T0, expect: true });
  add({ lib, name: `${p}: secret given without whsec_ prefix`, secrets: [CURRENT.slice("whsec_".length)],
    headers: std(id, T0, sig), payload: body, now: T0, expect: true });
  add({ lib, name: `${p}: mixed-case header names`,
    headers: { "Webhook-Id": id, "WEBHOOK-TIMESTAMP": String(T0), "Webhook-Signature": sig }, payload: body, now: T0,
    expect: true });

  // Invalid
  add({ lib, name: `${p}: tampered body`, headers: std(id, T0, sig), payload: body.replace("succeeded", "failed"),
    now: T0, expect: false });
  add({ lib, name: `${p}: body with one extra trailing space`, headers: std(id, T0, sig), payload: body + " ",
    now: T0, expect: false });
  add({ lib, name: `${p}: tampered id`, headers: std(id + "x", T0, sig), payload: body, now: T0, expect: false });
  add({ lib, name: `${p}: tampered timestamp`, headers: std(id, T0 + 1, sig), payload: body, now: T0, expect: false });
  const flipped = sig.slice(0, 10) + (sig[10] === "A" ? "B" : "A") + sig.slice(11);
  add({ lib, name: `${p}: tampered signature`, headers: std(id, T0, flipped), payload: body, now: T0, expect: false });
  add({ lib, name: `${p}: wrong secret`, headers: std(id, T0, s(id, T0, body, OTHER)), payload: body, now: T0,
    expect: false });
  add({ lib, name: `${p}: rotation over, previous secret no longer accepted`, secrets: [CURRENT],
    headers: std(id, T0, s(id, T0, body, PREVIOUS)), payload: body, now: T0, expect: false });
  add({ lib, name: `${p}: 301 s old (stale)`, headers: std(id, T0, sig), payload: body, now: T0 + 301, expect: false });
  add({ lib, name: `${p}: one day old (replayed)`, headers: std(id, T0, sig), payload: body, now: T0 + 86400,
    expect: false });
  add({ lib, name: `${p}: 301 s in the future`, headers: std(id, T0, sig), payload: body, now: T0 - 301, expect: false });
  add({ lib, name: `${p}: two signatures, neither ours`,
    headers: std(id, T0, `${s(id, T0, body, OTHER)} ${flipped}`), payload: body, now: T0, expect: false });
  add({ lib, name: `${p}: right MAC under version v2 only`, headers: std(id, T0, `v2,${sig.slice(3)}`), payload: body,
    now: T0, expect: false });
  add({ lib, name: `${p}: signature without version prefix`, headers: std(id, T0, sig.slice(3)), payload: body,
    now: T0, expect: false });
  add({ lib, name: `${p}: signature without base64 padding`, headers: std(id, T0, sig.replace(/=+$/, "")),
    payload: body, now: T0, expect: false });
  add({ lib, name: `${p}: truncated signature`, headers: std(id, T0, sig.slice(0, 20)), payload: body, now: T0,
    expect: false });
  add({ lib, name: `${p}: empty signature header`, headers: std(id, T0, ""), payload: body, now: T0, expect: false });
  add({ lib, name: `${p}: missing webhook-id`, headers: { "webhook-timestamp": String(T0), "webhook-signature": sig },
    payload: body, now: T0, expect: false });
  add({ lib, name: `${p}: missing webhook-timestamp`, headers: { "webhook-id": id, "webhook-signature": sig },
    payload: body, now: T0, expect: false });
  add({ lib, name: `${p}: non-numeric timestamp`, headers: std(id, "yesterday", sig), payload: body, now: T0,
    expect: false });
  add({ lib, name: `${p}: timestamp in milliseconds`, headers: std(id, T0 * 1000, s(id, T0 * 1000, body)),
    payload: body, now: T0, expect: false });
  add({ lib, name: `${p}: signature of another message id`, headers: std(id, T0, s("msg_other", T0, body)),
    payload: body, now: T0, expect: false });

  // Where the gateway is stricter than the reference library, on purpose.
  add({ lib, name: `${p}: timestamp with trailing garbage`, headers: std(id, `${T0}abc`, sig), payload: body,
    now: T0, expect: false,
    deviation: "the library parses the leading digits (parseInt) and signs those; the gateway requires the header "
      + "to be exactly the signed number of seconds" });
  add({ lib, name: `${p}: extra comma-separated part after the signature`, headers: std(id, T0, `${sig},extra`),
    payload: body, now: T0, expect: false,
    deviation: "the library ignores anything after a second comma; the gateway compares the whole value" });
}

// svix's own header names, as Svix sends them.
{
  const id = "msg_svix_headers_0001";
  const sig = sign("svix", CURRENT, id, T0, body);
  add({ lib: "svix", name: "svix: svix-* header names",
    headers: { "svix-id": id, "svix-timestamp": String(T0), "svix-signature": sig }, payload: body, now: T0, expect: true });
  add({ lib: "svix", name: "svix: svix-* header names, tampered body",
    headers: { "svix-id": id, "svix-timestamp": String(T0), "svix-signature": sig }, payload: body + "x", now: T0,
    expect: false });
  add({ lib: "svix", name: "svix: svix-* header names, stale",
    headers: { "svix-id": id, "svix-timestamp": String(T0), "svix-signature": sig }, payload: body, now: T0 + 301,
    expect: false });
}

writeVectors("../../src/test/resources/webhook-vectors.json",
  "Standard Webhooks vectors made and judged by the reference libraries; regenerate with "
    + "tools/webhook-vectors (npm ci && npm run generate). 'now' is the verifier's clock in epoch seconds.",
  vectors, vectors.filter((v) => v.gateway_accepts).length, "vectors");
