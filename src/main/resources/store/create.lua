-- Creates a job record and its first timeline entry, unless the id is taken.
-- KEYS[1] job hash, KEYS[2] timeline stream
-- ARGV[1] ttl ms, ARGV[2] max timeline entries, ARGV[3] now, ARGV[4] event data (JSON), ARGV[5..] field, value, ...
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local fields = {}
for i = 5, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*',
  'type', 'submitted', 'at', ARGV[3], 'outcome', 'applied', 'reason', '', 'version', '1', 'data', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
