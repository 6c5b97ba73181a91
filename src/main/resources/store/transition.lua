-- The job state machine: the only writer of a job's status. One atomic step checks the transition,
-- updates the job, bumps its version, appends the timeline entry, announces the change and refreshes TTLs.
-- Mirrored by dev.jobgateway.job.JobStatus (tests hold the two to the same table).
--
-- KEYS[1] job hash, KEYS[2] timeline stream, KEYS[3] (optional) webhook-id dedupe marker
-- ARGV[1] target status, or '' for a check that could not reach the AI server (via poll)
-- ARGV[2] progress or ''        ARGV[3] output JSON or ''     ARGV[4] error JSON or ''
-- ARGV[5] via (webhook|poll|cancel|timeout|submit)
-- ARGV[6] delivery state once applied, or '' (keep)           ARGV[7] completed_via or ''
-- ARGV[8] now (ISO-8601)      ARGV[9] event type            ARGV[10] event data (JSON)
-- ARGV[11] ttl ms             ARGV[12] max timeline entries ARGV[13] changes channel
-- ARGV[14] job id             ARGV[15] dedupe window ms (with KEYS[3])
-- ARGV[16] delivery state of a check (via poll) that changed nothing
-- ARGV[17] ignored reports written to the timeline per job; later ones are only counted (ignored_reports)
-- ARGV[18] the job's place in the provider's queue, or '': kept (without a version bump, like the delivery facts)
--          when the report is applied or recorded and the job is still queued
-- ARGV[19] output files JSON or '' and ARGV[20] output storage state or '': stored with a success (output storage on)
-- ARGV[21] a webhook's guard: the provider the job must have been handed to, or '' (no guard: ARGV[22..23] unused)
-- ARGV[22] the AI-server job id the webhook names, or '' (not named)
-- ARGV[23] the hash of the per-job token the webhook was authenticated by, or '' (signed)
-- Returns {outcome, version, status, reason, code, provider, created_at, status before, model, owner}; outcome is
-- applied | ignored | recorded (a check that changed nothing) | missing | rejected (a webhook that does not match its
-- job). reason is the text the timeline shows; code names it for Java (dev.jobgateway.job.IgnoreReason: one of
-- duplicate_webhook_id | ai_server_unreachable | unknown_status | job_ended | backwards | no_change |
-- stale_progress; for rejected, dev.jobgateway.job.WebhookGuard.Refusal: token | provider | external_id).
-- The last five are '' unless applied: then they serve the delivery metrics and the durations learned from
-- completions (per owner).

if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'missing', 0, '', '', '', '', '', '', '', ''}
end

-- Checked here rather than by a read before the script: one round trip per webhook. Before the dedupe marker, so
-- a refused webhook leaves no trace. The token hashes are compared as text: both are SHA-256, so how long the
-- comparison takes tells nothing usable about the token.
if ARGV[21] ~= nil and ARGV[21] ~= '' then
  local facts = redis.call('HMGET', KEYS[1], 'provider', 'external_id', 'webhook_token_hash')
  if ARGV[23] ~= '' and facts[3] ~= ARGV[23] then
    return {'rejected', 0, '', 'token', 'token', '', '', '', '', ''}
  end
  if facts[1] ~= ARGV[21] then
    return {'rejected', 0, '', 'provider', 'provider', '', '', '', '', ''}
  end
  if ARGV[22] ~= '' and facts[2] and facts[2] ~= ARGV[22] then
    return {'rejected', 0, '', 'external_id', 'external_id', '', '', '', '', ''}
  end
end

local RANK = {queued = 0, running = 1, succeeded = 2, failed = 2, cancelled = 2}
local target = ARGV[1]
local state = redis.call('HMGET', KEYS[1], 'status', 'version', 'progress', 'provider', 'created_at', 'model',
  'owner')
local current, version, progress = state[1], tonumber(state[2]), tonumber(state[3])
local newProgress = tonumber(ARGV[2])
local isPoll = ARGV[5] == 'poll'

local reason, code = nil, nil
if KEYS[3] and not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[15]) then
  reason, code = 'duplicate webhook-id', 'duplicate_webhook_id'
elseif target == '' and isPoll then
  reason, code = 'the AI server could not be reached', 'ai_server_unreachable'
elseif RANK[target] == nil then
  reason, code = 'unknown status ' .. target, 'unknown_status'
elseif RANK[current] == 2 then
  reason, code = 'job already ' .. current, 'job_ended'
elseif RANK[target] < RANK[current] then
  reason, code = 'would move job backwards from ' .. current .. ' to ' .. target, 'backwards'
elseif target == current then
  if newProgress == nil then
    reason, code = 'no change: job already ' .. current, 'no_change'
  elseif progress ~= nil and newProgress <= progress then
    reason, code = 'stale progress ' .. ARGV[2] .. ' (job at ' .. state[3] .. ')', 'stale_progress'
  end
end

local now = ARGV[8]
local outcome = 'ignored'
if reason == nil then
  outcome = 'applied'
  version = version + 1
  local fields = {'status', target, 'version', version, 'updated_at', now}
  if newProgress ~= nil then
    fields[#fields + 1] = 'progress'; fields[#fields + 1] = ARGV[2]
  end
  if ARGV[3] ~= '' then
    fields[#fields + 1] = 'output'; fields[#fields + 1] = ARGV[3]
  end
  if ARGV[4] ~= '' then
    fields[#fields + 1] = 'error'; fields[#fields + 1] = ARGV[4]
  end
  if target == 'succeeded' and ARGV[20] and ARGV[20] ~= '' then
    fields[#fields + 1] = 'output_files'; fields[#fields + 1] = ARGV[19]
    fields[#fields + 1] = 'output_storage'; fields[#fields + 1] = ARGV[20]
  end
  if ARGV[6] ~= '' then
    fields[#fields + 1] = 'delivery_state'; fields[#fields + 1] = ARGV[6]
  end
  if RANK[target] == 2 then
    fields[#fields + 1] = 'completed_at'; fields[#fields + 1] = now
    if ARGV[7] ~= '' then
      fields[#fields + 1] = 'completed_via'; fields[#fields + 1] = ARGV[7]
    end
  end
  if ARGV[5] == 'webhook' then
    redis.call('HINCRBY', KEYS[1], 'webhooks_received', 1)
    fields[#fields + 1] = 'last_webhook_at'; fields[#fields + 1] = now
  elseif isPoll then
    fields[#fields + 1] = 'last_upstream_check_at'; fields[#fields + 1] = now
    fields[#fields + 1] = 'upstream_failures'; fields[#fields + 1] = 0
  end
  redis.call('HSET', KEYS[1], unpack(fields))
  redis.call('PUBLISH', ARGV[13], ARGV[14] .. ' ' .. version .. ' ' .. target)
elseif isPoll and RANK[current] < 2 then
  -- A check that moved nothing still tells how delivery goes: when the AI server was last asked and whether it
  -- answered (the fallback backs off on failures in a row). A job that ended meanwhile keeps its delivery story.
  outcome = 'recorded'
  if target == '' then
    redis.call('HINCRBY', KEYS[1], 'upstream_failures', 1)
    redis.call('HSET', KEYS[1], 'last_upstream_check_at', now, 'delivery_state', ARGV[16])
  else
    redis.call('HSET', KEYS[1], 'last_upstream_check_at', now, 'delivery_state', ARGV[16], 'upstream_failures', 0)
  end
end

if ARGV[18] ~= '' and outcome ~= 'ignored' and (outcome == 'applied' and target or current) == 'queued' then
  redis.call('HSET', KEYS[1], 'queue_position', ARGV[18])
end

if outcome == 'ignored' then
  -- A sender that keeps redelivering must neither keep a finished job alive (no TTL refresh) nor push its real
  -- history out of the capped timeline: past the first few, ignored reports are only counted.
  if redis.call('HINCRBY', KEYS[1], 'ignored_reports', 1) <= tonumber(ARGV[17]) then
    append_entry(KEYS[2], ARGV[12], ARGV[9], now, outcome, reason, version, ARGV[10])
  end
else
  append_timeline(KEYS[1], KEYS[2], ARGV[12], ARGV[11], ARGV[9], now, outcome, reason or '', version, ARGV[10])
end
if outcome == 'applied' then
  return {outcome, version, target, '', '', state[4] or '', state[5] or '', current, state[6] or '', state[7] or ''}
end
return {outcome, version, current, reason, code, '', '', '', '', ''}
