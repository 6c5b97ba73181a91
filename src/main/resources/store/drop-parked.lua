-- Drops the first ARGV[1] parked webhooks of an external id once they are applied (the oldest first, as map.lua
-- handed them over). Nothing can be parked behind them: park.lua parks only while the id is unmapped.
-- KEYS[1] parked list
-- ARGV[1] how many were applied
redis.call('LTRIM', KEYS[1], tonumber(ARGV[1]), -1)
return redis.call('LLEN', KEYS[1])
