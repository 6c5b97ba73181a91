-- Adds facts to a job that do not change its state (e.g. the external id after hand-off) and a timeline entry.
-- The version is not bumped: what clients poll for does not change. The state machine's own fields are written by
-- transition.lua only, so this script refuses them.
-- KEYS[1] job hash, KEYS[2] timeline stream
-- ARGV[1] ttl ms, ARGV[2] max timeline entries, ARGV[3] now, ARGV[4] event type, ARGV[5] event data (JSON),
-- ARGV[6..] field, value, ...
local STATE_MACHINE = {status = true, version = true, progress = true, output = true, error = true,
  completed_at = true, completed_via = true}
for i = 6, #ARGV, 2 do
  if STATE_MACHINE[ARGV[i]] then
    return redis.error_reply('ERR record.lua does not write ' .. ARGV[i] .. ': only transition.lua does')
  end
end
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
append_timeline(KEYS[1], KEYS[2], ARGV[2], ARGV[1], ARGV[4], ARGV[3], 'recorded', '', version, ARGV[5])
return 1
