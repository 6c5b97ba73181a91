-- Keeps a verified webhook whose external id is not mapped yet, unless the mapping appeared meanwhile.
-- Checked and written in one step with map.lua's counterpart, so a webhook is either parked before the mapping
-- (and map.lua hands it over) or sees the mapping (and is applied at once): never lost in between.
-- KEYS[1] external id -> job id mapping, KEYS[2] parked list (same hash tag)
-- ARGV[1] parked transition (JSON), ARGV[2] ttl ms, ARGV[3] max entries kept
-- Returns the mapped job id, or false when parked.
local jobId = redis.call('GET', KEYS[1])
if jobId then
  return jobId
end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return false
