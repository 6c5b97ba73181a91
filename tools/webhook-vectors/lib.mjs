// What both generators share: the reference libraries, fixed secrets and clock, signing, the libraries' own verdict,
// and writing the vectors file.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";

const require = createRequire(import.meta.url);
export const versions = {
  standardwebhooks: require("standardwebhooks/package.json").version,
  svix: require("svix/package.json").version,
};
export const TOLERANCE = 5 * 60;
export const T0 = 1767225600; // 2026-01-01T00:00:00Z

/** A fixed whsec_ secret: `purpose` keeps the two files' secrets apart, `label` names the secret in a vector. */
export const secretFor = (purpose) => (label) =>
  "whsec_" + Buffer.from(`job-gateway ${purpose} secret ${label}`).toString("base64");

const make = (lib, key) => (lib === "svix" ? new SvixWebhook(key) : new StandardWebhook(key));
export const sign = (lib, key, id, ts, payload) => make(lib, key).sign(id, new Date(ts * 1000), payload);
export const std = (id, ts, signature) =>
  ({ "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": signature });

/** Whether the library accepts the message with any of the secrets, at the vector's "now". */
export function libraryAccepts(lib, secrets, headers, payload, now) {
  const realNow = Date.now;
  Date.now = () => now * 1000;
  try {
    return secrets.some((key) => {
      try {
        make(lib, key).verify(payload, headers, { jsonParse: false });
        return true;
      } catch {
        return false;
      }
    });
  } finally {
    Date.now = realNow;
  }
}

/** Writes the vectors file (relative to this folder) and says whether it changed. */
export function writeVectors(path, description, vectors, validCount, what) {
  const out = new URL(path, import.meta.url);
  const json = JSON.stringify({
    description,
    generated_with: versions,
    tolerance_seconds: TOLERANCE,
    vectors,
  }, null, 2) + "\n";
  let previous = "";
  try { previous = readFileSync(out, "utf8"); } catch { /* first run */ }
  writeFileSync(out, json);
  console.log(`${vectors.length} ${what} (${validCount} valid, ${vectors.length - validCount} invalid) -> `
    + out.pathname + (previous === json ? " (unchanged)" : ""));
}
