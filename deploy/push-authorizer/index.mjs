// AppSync Events Lambda authorizer (AWS_LAMBDA auth mode) for the job gateway's push channels (docs/push.md).
// Node.js 20, no dependencies. It decides exactly as the gateway's push/SubscribeDecisions does, from the read token
// a browser already holds: connect with any valid read token; subscribe only to the channel of a job the token names
// (no other job, no wildcard, no other namespace); publish never (only the gateway publishes, with IAM). Both are
// tested against src/test/resources/vectors/push/subscribe-decisions.json.
//
// Settings (the gateway's own variables): GATEWAY_READ_TOKENS_KEYS (kid=secret,...), GATEWAY_API_KEYS (key=owner,...:
// a token dies with the API key that minted it), GATEWAY_PUSH_NAMESPACE (default jobs), GATEWAY_LIMITS_MAX_BATCH_IDS
// (default 50).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const AUDIENCE = 'job-gateway:read';
const KEY_CLAIM_PURPOSE = 'api-key\n';
const MAX_TOKEN_LENGTH = 8192;
const SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const OWNER = /^[A-Za-z0-9._@:-]{1,64}$/;
const JOB_ID = /^job_[A-Za-z0-9_-]{22}$/;
const UNAUTHORIZED = 'UnauthorizedException';

const base64url = (buffer) => Buffer.from(buffer).toString('base64url');
const hmac = (secret, text) => createHmac('sha256', secret).update(text, 'utf8').digest();

/** Settings from environment variables (the same names and formats as the gateway's). */
export function settingsFrom(env) {
  const keys = new Map();
  for (const pair of (env.GATEWAY_READ_TOKENS_KEYS ?? '').split(',')) {
    if (pair.trim() === '') continue;
    const split = pair.indexOf('=');
    if (split < 1) throw new Error('GATEWAY_READ_TOKENS_KEYS must be kid=secret pairs');
    keys.set(pair.slice(0, split).trim(), Buffer.from(pair.slice(split + 1).trim(), 'utf8'));
  }
  // The key claim of every configured API key, per signing key: what a token minted with that key carries.
  const owners = new Map();
  const apiKeys = [];
  for (const pair of (env.GATEWAY_API_KEYS ?? '').split(',')) {
    if (pair.trim() === '') continue;
    const split = pair.lastIndexOf('=');
    const key = pair.slice(0, split).trim();
    const owner = pair.slice(split + 1).trim();
    if (split < 1 || !OWNER.test(owner)) throw new Error('GATEWAY_API_KEYS must be key=owner pairs');
    apiKeys.push([base64url(createHash('sha256').update(key, 'utf8').digest()), owner]);
  }
  for (const [kid, secret] of keys) {
    const claims = new Map();
    for (const [hash, owner] of apiKeys) {
      claims.set(base64url(hmac(secret, KEY_CLAIM_PURPOSE + hash).subarray(0, 16)), owner);
    }
    owners.set(kid, claims);
  }
  return {
    keys,
    owners,
    namespace: env.GATEWAY_PUSH_NAMESPACE || 'jobs',
    maxJobs: Number.parseInt(env.GATEWAY_LIMITS_MAX_BATCH_IDS || '50', 10),
  };
}

function json(part) {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** The jobs a valid read token grants at `now` (epoch seconds), or null. */
export function verify(token, now, settings) {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !token.startsWith('eyJ') || !SHAPE.test(token)) {
    return null;
  }
  const [head, body, signature] = token.split('.');
  const header = json(head);
  if (header === null || header.alg !== 'HS256' || typeof header.kid !== 'string') return null;
  const secret = settings.keys.get(header.kid);
  if (secret === undefined) return null;
  const expected = hmac(secret, `${head}.${body}`);
  const presented = Buffer.from(signature, 'base64url');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
  const claims = json(body);
  if (claims === null || claims.aud !== AUDIENCE) return null;
  if (!Number.isInteger(claims.exp) || claims.exp <= now) return null;
  const { sub, jobs } = claims;
  if (typeof sub !== 'string' || !OWNER.test(sub) || !Array.isArray(jobs) || jobs.length === 0
      || jobs.length > settings.maxJobs) {
    return null;
  }
  if (!jobs.every((id) => typeof id === 'string' && JOB_ID.test(id))) return null;
  if ('key' in claims && settings.owners.get(header.kid).get(String(claims.key)) !== sub) return null;
  return new Set(jobs);
}

/** The job a channel names (`/<namespace>/job<escaped id>`, docs/push.md), or null. */
export function jobOf(channel, namespace) {
  if (typeof channel !== 'string') return null;
  const path = channel.startsWith('/') ? channel.slice(1) : channel;
  const slash = path.indexOf('/');
  if (slash < 0 || path.slice(0, slash) !== namespace) return null;
  const segment = path.slice(slash + 1);
  if (!segment.startsWith('job') || segment.length > 47) return null;
  let id = 'job_';
  for (let i = 3; i < segment.length; i++) {
    const c = segment[i];
    if (c === '-') {
      const next = segment[++i];
      if (next === '0') id += '-';
      else if (next === '1') id += '_';
      else return null;
    } else if (/^[A-Za-z0-9]$/.test(c)) {
      id += c;
    } else {
      return null;
    }
  }
  return JOB_ID.test(id) ? id : null;
}

const refuse = (reason) => ({ allowed: false, errorType: UNAUTHORIZED, reason });

/** The decision for an operation (EVENT_CONNECT, EVENT_SUBSCRIBE, EVENT_PUBLISH) on a channel. */
export function decide({ token, operation, channel, now }, settings) {
  if (operation === 'EVENT_PUBLISH') return refuse('browsers cannot publish');
  const bearer = typeof token === 'string' && /^bearer /i.test(token) ? token.slice(7).trim()
    : typeof token === 'string' ? token.trim() : token;
  const jobs = verify(bearer, now, settings);
  if (jobs === null) return refuse('not a valid read token');
  if (operation === 'EVENT_CONNECT') return { allowed: true, errorType: null, reason: null };
  if (operation !== 'EVENT_SUBSCRIBE') return refuse('unknown operation');
  const job = jobOf(channel, settings.namespace);
  if (job === null) return refuse('not the channel of one job');
  return jobs.has(job) ? { allowed: true, errorType: null, reason: null }
    : refuse('the token does not name this job');
}

/**
 * AppSync's request: { authorizationToken, requestContext: { operation, channel, channelNamespaceName, ... } }.
 * The answer is never cached (ttlOverride 0): the decision depends on the channel and the operation, and a cached
 * allow must not be reused for another job's channel or for a publish (docs/push.md, "Authorization").
 */
export function authorize(event, settings, now) {
  const context = event?.requestContext ?? {};
  const decision = decide({
    token: event?.authorizationToken,
    operation: context.operation,
    channel: context.channel,
    now,
  }, settings);
  return { isAuthorized: decision.allowed, ttlOverride: 0 };
}

let loaded;

export const handler = async (event) => {
  loaded ??= settingsFrom(process.env);
  return authorize(event, loaded, Math.floor(Date.now() / 1000));
};
