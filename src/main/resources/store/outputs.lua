-- The copy of a succeeded job's output files, after the success (dev.jobgateway.outputs.OutputCopier). Only while
-- output_storage is 'pending': a second instance finishing the same copy changes nothing.
-- KEYS[1] job hash, KEYS[2] timeline stream
-- ARGV[1] 'begin' (an attempt starts: counted now, so an attempt whose instance is killed mid-copy still counts),
--         'settle' (the copy ended: new version, announced) or 'retry' (an attempt failed: noted, no version bump)
-- ARGV[2] output files JSON, or '' (retry: keep; files stored by the failed attempt are not copied again)  ARGV[3] final output_storage (settle)  ARGV[4] now (ISO-8601)
-- ARGV[5] event type  ARGV[6] event data (JSON)  ARGV[7] ttl ms  ARGV[8] max timeline entries
-- ARGV[9] changes channel  ARGV[10] job id
-- Returns {outcome, n}: begun (n = this attempt's number) | applied (n = new version) | recorded (n = attempts so far)
-- | ignored | missing.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'missing', 0}
end
local state = redis.call('HMGET', KEYS[1], 'output_storage', 'version', 'status')
-- output_storage holds the wire names of dev.jobgateway.job.Job.OutputState.
if state[1] ~= 'pending' then
  return {'ignored', 0}
end
if ARGV[1] == 'begin' then
  return {'begun', redis.call('HINCRBY', KEYS[1], 'output_attempts', 1)}
end
if ARGV[1] == 'settle' then
  local version = tonumber(state[2]) + 1
  redis.call('HSET', KEYS[1], 'output_storage', ARGV[3], 'output_files', ARGV[2], 'version', version,
    'updated_at', ARGV[4])
  redis.call('PUBLISH', ARGV[9], ARGV[10] .. ' ' .. version .. ' ' .. state[3])
  append_timeline(KEYS[1], KEYS[2], ARGV[8], ARGV[7], ARGV[5], ARGV[4], 'applied', '', version, ARGV[6])
  return {'applied', version}
end
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'output_files', ARGV[2])
end
local attempts = tonumber(redis.call('HGET', KEYS[1], 'output_attempts') or '0')
append_entry(KEYS[2], ARGV[8], ARGV[5], ARGV[4], 'recorded', '', state[2], ARGV[6])
return {'recorded', attempts}
