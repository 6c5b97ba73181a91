-- Records the outcome of asking the AI server about a job that did not change its state: when we checked, what
-- that says about delivery, and how many checks in a row failed. A job that became terminal meanwhile keeps its
-- delivery state (the webhook or poll that ended it is the better story); the timeline gets the entry either way.
-- KEYS[1] job hash, KEYS[2] timeline stream
-- ARGV[1] ttl ms, ARGV[2] max timeline entries, ARGV[3] now, ARGV[4] event type, ARGV[5] event data (JSON),
-- ARGV[6] delivery state, ARGV[7] 'reset' or 'increment' the failed-check count
-- Returns the failed-check count, or -1 if the job is gone.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
local status = redis.call('HGET', KEYS[1], 'status')
local failures = 0
if ARGV[7] == 'increment' then
  failures = redis.call('HINCRBY', KEYS[1], 'upstream_failures', 1)
else
  redis.call('HSET', KEYS[1], 'upstream_failures', 0)
end
if status == 'queued' or status == 'running' then
  redis.call('HSET', KEYS[1], 'last_upstream_check_at', ARGV[3], 'delivery_state', ARGV[6])
end
local version = redis.call('HGET', KEYS[1], 'version')
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*',
  'type', ARGV[4], 'at', ARGV[3], 'outcome', 'recorded', 'reason', '', 'version', version, 'data', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return failures
