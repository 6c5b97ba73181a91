-- Creates a job record and its first timeline entry, unless the id is taken.
-- KEYS[1] job hash, KEYS[2] timeline stream
-- ARGV[1] ttl ms, ARGV[2] max timeline entries, ARGV[3] now, ARGV[4] event type, ARGV[5] event data (JSON),
-- ARGV[6..] field, value, ...
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local fields = {}
for i = 6, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], unpack(fields))
append_timeline(KEYS[1], KEYS[2], ARGV[2], ARGV[1], ARGV[4], ARGV[3], 'applied', '', '1', ARGV[5])
return 1
