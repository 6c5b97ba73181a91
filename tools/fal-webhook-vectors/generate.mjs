// Regenerates ../../src/test/resources/fal-webhook-vectors.json: fal.ai webhook signatures made and checked by Node's
// own crypto (Ed25519), the way fal signs: the four X-Fal-Webhook-* headers over
// "{request id}\n{user id}\n{timestamp}\n{sha256 hex of the raw body}", keys published as a JWKS (OKP, Ed25519, x).
// Run: npm run generate (no dependencies). The Java test (FalWebhookVectorsTest) only reads the JSON.
// Keys come from fixed seeds and Ed25519 signatures are deterministic, so the output is the same on every run.
import { createHash, createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

const TOLERANCE = 300;
const T0 = 1767225600; // 2026-01-01T00:00:00Z
const USER = "usr_job_gateway_vectors";

/** An Ed25519 key pair from a fixed seed (PKCS#8: a fixed prefix, then the 32-byte seed). */
function keyPair(label) {
  const seed = createHash("sha256").update(`job-gateway fal vector key ${label}`).digest();
  const privateKey = createPrivateKey({
    key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]),
    format: "der",
    type: "pkcs8",
  });
  return { privateKey, publicKey: createPublicKey(privateKey), label };
}
const CURRENT = keyPair("current");
const NEXT = keyPair("next");
const UNPUBLISHED = keyPair("never published");

const jwk = (pair) => ({ ...pair.publicKey.export({ format: "jwk" }), kid: pair.label, use: "sig", alg: "EdDSA" });
const JWKS = JSON.stringify({ keys: [jwk(CURRENT)] });
const ROTATING = JSON.stringify({ keys: [jwk(CURRENT), jwk(NEXT)] });

const sha256 = (text) => createHash("sha256").update(Buffer.from(text, "utf8")).digest("hex");
const message = (requestId, userId, timestamp, payload) =>
  Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${sha256(payload)}`, "utf8");
const signature = (pair, requestId, userId, timestamp, payload) =>
  sign(null, message(requestId, userId, timestamp, payload), pair.privateKey).toString("hex");
const headers = (requestId, userId, timestamp, sig) => ({
  "X-Fal-Webhook-Request-Id": requestId,
  "X-Fal-Webhook-User-Id": userId,
  "X-Fal-Webhook-Timestamp": String(timestamp),
  "X-Fal-Webhook-Signature": sig,
});

/** Whether Node verifies the headers' signature over the payload with any Ed25519 key of the JWKS. */
function nodeVerifies(jwks, h, payload) {
  let keys = [];
  try {
    keys = (JSON.parse(jwks).keys || []).filter((k) => k.kty === "OKP" && k.crv === "Ed25519");
  } catch {
    return false;
  }
  const sig = h["X-Fal-Webhook-Signature"];
  if (!sig || !/^[0-9a-fA-F]{128}$/.test(sig)) return false;
  const msg = message(h["X-Fal-Webhook-Request-Id"], h["X-Fal-Webhook-User-Id"], h["X-Fal-Webhook-Timestamp"],
    payload);
  return keys.some((k) => {
    try {
      return verify(null, msg, createPublicKey({ key: k, format: "jwk" }), Buffer.from(sig, "hex"));
    } catch {
      return false;
    }
  });
}

/** What a verifier that follows fal's rules must answer: accepted, rejected, or keys_unavailable. */
function expected(jwks, h, payload, now) {
  let usable = 0;
  try {
    usable = (JSON.parse(jwks).keys || []).filter((k) => k.kty === "OKP" && k.crv === "Ed25519" && k.x).length;
  } catch {
    usable = 0;
  }
  const complete = ["X-Fal-Webhook-Request-Id", "X-Fal-Webhook-User-Id", "X-Fal-Webhook-Timestamp",
    "X-Fal-Webhook-Signature"].every((name) => h[name]);
  if (!complete) return "rejected";
  const ts = h["X-Fal-Webhook-Timestamp"];
  if (!/^[0-9]+$/.test(ts) || Math.abs(now - Number(ts)) > TOLERANCE) return "rejected";
  if (h["X-Fal-Webhook-User-Id"] !== USER) return "rejected";
  if (usable === 0) return "keys_unavailable";
  return nodeVerifies(jwks, h, payload) ? "accepted" : "rejected";
}

const vectors = [];
function add({ name, jwks = JWKS, headers: h, payload, now = T0, expect }) {
  const verdict = expected(jwks, h, payload, now);
  if (verdict !== expect) {
    throw new Error(`${name}: meant to be ${expect}, but the rules say ${verdict}`);
  }
  vectors.push({ name, jwks, headers: h, payload, now, node_verifies: nodeVerifies(jwks, h, payload), expected: verdict });
}

const REQ = "764cabcf-b745-4b3e-ae38-1200304cf45b";
const ok = JSON.stringify({ request_id: REQ, gateway_request_id: "a1e37b8e-2f7a-4a4a-9d1c-000000000001", status: "OK",
  payload: { images: [{ url: "https://v3.fal.media/files/x.png", content_type: "image/png", width: 1024,
    height: 1024 }], seed: 42 } });
const error = JSON.stringify({ request_id: REQ, gateway_request_id: "g2", status: "ERROR",
  error: "Invalid status code: 422", payload: { detail: [{ loc: ["body", "prompt"], msg: "field required",
    type: "value_error.missing" }] } });
const payloadError = JSON.stringify({ request_id: REQ, gateway_request_id: "g3", status: "OK", payload: null,
  payload_error: "Response payload is not valid JSON" });
const unicode = JSON.stringify({ request_id: REQ, status: "ERROR", error: "Ünïcödé 🚫 画像 — NSFW" });
const large = JSON.stringify({ request_id: REQ, status: "OK", payload: { blob: "x".repeat(20000) } });
const s = (pair, payload, ts = T0, user = USER, req = REQ) => signature(pair, req, user, ts, payload);

// Accepted
add({ name: "fal: OK signed now", headers: headers(REQ, USER, T0, s(CURRENT, ok)), payload: ok, expect: "accepted" });
add({ name: "fal: ERROR with validation detail", headers: headers(REQ, USER, T0, s(CURRENT, error)), payload: error,
  expect: "accepted" });
add({ name: "fal: OK with payload_error", headers: headers(REQ, USER, T0, s(CURRENT, payloadError)),
  payload: payloadError, expect: "accepted" });
add({ name: "fal: 299 s old", headers: headers(REQ, USER, T0, s(CURRENT, ok)), payload: ok, now: T0 + 299,
  expect: "accepted" });
add({ name: "fal: exactly 300 s old", headers: headers(REQ, USER, T0, s(CURRENT, ok)), payload: ok, now: T0 + 300,
  expect: "accepted" });
add({ name: "fal: 300 s in the future", headers: headers(REQ, USER, T0, s(CURRENT, ok)), payload: ok, now: T0 - 300,
  expect: "accepted" });
add({ name: "fal: rotation, signed with the new key", jwks: ROTATING, headers: headers(REQ, USER, T0, s(NEXT, ok)),
  payload: ok, expect: "accepted" });
add({ name: "fal: rotation, signed with the old key", jwks: ROTATING, headers: headers(REQ, USER, T0, s(CURRENT, ok)),
  payload: ok, expect: "accepted" });
add({ name: "fal: signature in upper-case hex", headers: headers(REQ, USER, T0, s(CURRENT, ok).toUpperCase()),
  payload: ok, expect: "accepted" });
add({ name: "fal: non-ASCII payload (UTF-8)", headers: headers(REQ, USER, T0, s(CURRENT, unicode)), payload: unicode,
  expect: "accepted" });
add({ name: "fal: 20 kB payload", headers: headers(REQ, USER, T0, s(CURRENT, large)), payload: large,
  expect: "accepted" });
add({ name: "fal: JWKS with other keys around the Ed25519 one",
  jwks: JSON.stringify({ keys: [{ kty: "RSA", n: "sXch", e: "AQAB", kid: "rsa" }, jwk(CURRENT)] }),
  headers: headers(REQ, USER, T0, s(CURRENT, ok)), payload: ok, expect: "accepted" });

// Rejected
add({ name: "fal: tampered body", headers: headers(REQ, USER, T0, s(CURRENT, ok)), payload: ok.replace("OK", "ERROR"),
  expect: "rejected" });
add({ name: "fal: body with one extra trailing space", headers: headers(REQ, USER, T0, s(CURRENT, ok)),
  payload: ok + " ", expect: "rejected" });
add({ name: "fal: tampered request id header", headers: headers(REQ.replace("7", "8"), USER, T0, s(CURRENT, ok)),
  payload: ok, expect: "rejected" });
add({ name: "fal: tampered timestamp", headers: headers(REQ, USER, T0 + 1, s(CURRENT, ok)), payload: ok,
  expect: "rejected" });
add({ name: "fal: signed by fal for another user", headers: headers(REQ, "usr_someone_else", T0,
  s(CURRENT, ok, T0, "usr_someone_else")), payload: ok, expect: "rejected" });
add({ name: "fal: user id header changed after signing", headers: headers(REQ, "usr_someone_else", T0, s(CURRENT, ok)),
  payload: ok, expect: "rejected" });
add({ name: "fal: signed with a key not in the JWKS", headers: headers(REQ, USER, T0, s(UNPUBLISHED, ok)),
  payload: ok, expect: "rejected" });
add({ name: "fal: signed with the new key before it is published", headers: headers(REQ, USER, T0, s(NEXT, ok)),
  payload: ok, expect: "rejected" });
add({ name: "fal: 301 s old (stale)", headers: headers(REQ, USER, T0, s(CURRENT, ok)), payload: ok, now: T0 + 301,
  expect: "rejected" });
add({ name: "fal: one day old (replayed)", headers: headers(REQ, USER, T0, s(CURRENT, ok)), payload: ok,
  now: T0 + 86400, expect: "rejected" });
add({ name: "fal: 301 s in the future", headers: headers(REQ, USER, T0, s(CURRENT, ok)), payload: ok, now: T0 - 301,
  expect: "rejected" });
add({ name: "fal: timestamp in milliseconds", headers: headers(REQ, USER, T0 * 1000, s(CURRENT, ok, T0 * 1000)),
  payload: ok, expect: "rejected" });
add({ name: "fal: timestamp that is not a number", headers: headers(REQ, USER, "yesterday",
  signature(CURRENT, REQ, USER, "yesterday", ok)), payload: ok, expect: "rejected" });
const sig = s(CURRENT, ok);
add({ name: "fal: truncated signature", headers: headers(REQ, USER, T0, sig.slice(0, 100)), payload: ok,
  expect: "rejected" });
add({ name: "fal: signature with a flipped bit", headers: headers(REQ, USER, T0,
  sig.slice(0, 10) + (sig[10] === "0" ? "1" : "0") + sig.slice(11)), payload: ok, expect: "rejected" });
add({ name: "fal: signature that is not hex", headers: headers(REQ, USER, T0, "zz" + sig.slice(2)), payload: ok,
  expect: "rejected" });
add({ name: "fal: signature in base64 instead of hex", headers: headers(REQ, USER, T0,
  Buffer.from(sig, "hex").toString("base64")), payload: ok, expect: "rejected" });
add({ name: "fal: signature of another request", headers: headers(REQ, USER, T0, s(CURRENT, ok, T0, USER, "other")),
  payload: ok, expect: "rejected" });
for (const missing of ["X-Fal-Webhook-Request-Id", "X-Fal-Webhook-User-Id", "X-Fal-Webhook-Timestamp",
  "X-Fal-Webhook-Signature"]) {
  const h = headers(REQ, USER, T0, sig);
  delete h[missing];
  add({ name: `fal: missing ${missing}`, headers: h, payload: ok, expect: "rejected" });
}

// The keys cannot be had: the gateway's outage (503), not the sender's mistake.
add({ name: "fal: JWKS without any Ed25519 key",
  jwks: JSON.stringify({ keys: [{ kty: "RSA", n: "sXch", e: "AQAB" }, { ...jwk(CURRENT), crv: "X25519" }] }),
  headers: headers(REQ, USER, T0, sig), payload: ok, expect: "keys_unavailable" });
add({ name: "fal: JWKS that is not JSON", jwks: "<html>Bad gateway</html>", headers: headers(REQ, USER, T0, sig),
  payload: ok, expect: "keys_unavailable" });
add({ name: "fal: JWKS whose keys are not a list", jwks: JSON.stringify({ keys: jwk(CURRENT) }),
  headers: headers(REQ, USER, T0, sig), payload: ok, expect: "keys_unavailable" });

const out = new URL("../../src/test/resources/fal-webhook-vectors.json", import.meta.url);
const json = JSON.stringify({
  description: "fal.ai webhook vectors signed and verified with Node's crypto (Ed25519); regenerate with "
    + "tools/fal-webhook-vectors (npm run generate). 'now' is the verifier's clock in epoch seconds; 'user_id' the "
    + "pinned fal user; 'expected' what a verifier following fal's rules answers.",
  generated_with: { node: process.version },
  tolerance_seconds: TOLERANCE,
  user_id: USER,
  vectors,
}, null, 2) + "\n";
let previous = "";
try { previous = readFileSync(out, "utf8"); } catch { /* first run */ }
writeFileSync(out, json);
const count = (verdict) => vectors.filter((v) => v.expected === verdict).length;
console.log(`${vectors.length} vectors (${count("accepted")} accepted, ${count("rejected")} rejected, `
  + `${count("keys_unavailable")} keys unavailable) -> ${out.pathname}` + (previous === json ? " (unchanged)" : ""));
