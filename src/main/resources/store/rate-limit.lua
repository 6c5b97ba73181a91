-- A shared call budget: at most ARGV[1] calls in any ARGV[2] ms, across every gateway instance (a sliding log: one
-- sorted-set member per call made, scored by Redis' own clock, so instances' clocks do not matter).
-- KEYS[1] the budget's sorted set (one key per budget, e.g. per RunPod endpoint: a single slot in a cluster)
-- ARGV[1] budget, ARGV[2] window in ms, ARGV[3] a unique id for this call
-- Returns 0 when the call may be made now (and counts it), else the ms until the oldest counted call leaves the window.
redis.replicate_commands()
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local budget = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < budget then
  redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now + 1)
