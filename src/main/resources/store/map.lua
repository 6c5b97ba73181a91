-- Maps an external id to its job and hands over every webhook parked for it (see park.lua), in one step. The parked
-- webhooks stay until the caller has applied them and drops them (drop-parked.lua): an instance that dies in between
-- leaves them for the next check of the job to apply (re-applying is safe: webhook-ids are deduplicated).
-- KEYS[1] external id -> job id mapping, KEYS[2] parked list (same hash tag)
-- ARGV[1] job id, ARGV[2] mapping ttl ms
-- Returns the parked transitions (JSON), oldest first.
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return redis.call('LRANGE', KEYS[2], 0, -1)
