-- Adds facts to a job that do not change its state (e.g. the external id after hand-off) and a timeline entry.
-- The version is not bumped: status, progress and output, what clients poll for, do not change.
-- KEYS[1] job hash, KEYS[2] timeline stream
-- ARGV[1] ttl ms, ARGV[2] max timeline entries, ARGV[3] now, ARGV[4] event type, ARGV[5] event data (JSON),
-- ARGV[6..] field, value, ...
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
if #ARGV > 5 then
  local fields = {}
  for i = 6, #ARGV do
    fields[#fields + 1] = ARGV[i]
  end
  redis.call('HSET', KEYS[1], unpack(fields))
end
local version = redis.call('HGET', KEYS[1], 'version')
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*',
  'type', ARGV[4], 'at', ARGV[3], 'outcome', 'recorded', 'reason', '', 'version', version, 'data', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
