-- Maps an external id to its job and takes every webhook parked for it (see park.lua), in one step.
-- KEYS[1] external id -> job id mapping, KEYS[2] parked list (same hash tag)
-- ARGV[1] job id, ARGV[2] mapping ttl ms
-- Returns the parked transitions (JSON), oldest first.
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local parked = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[2])
return parked
