-- How long an owner's jobs of a provider took, newest last: one hash per owner and provider, a field per model ('-'
-- for none), each a space-separated list of durations in ms, capped. Shared by every instance; bounded whatever
-- models callers send. Only long-standing commands (HGET, HLEN, HKEYS, HDEL, HSET, PEXPIRE).
-- KEYS[1] the owner's and provider's durations hash (one key: a single slot in a cluster)
-- ARGV[1] field (the model), ARGV[2] duration in ms, ARGV[3] durations kept per field, ARGV[4] fields kept at most,
-- ARGV[5] ttl ms (an owner's provider no longer used is forgotten)
-- Returns how many durations the field now holds.
local kept = redis.call('HGET', KEYS[1], ARGV[1])
local samples = {}
if kept then
  for value in string.gmatch(kept, '%d+') do
    samples[#samples + 1] = value
  end
elseif redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then
  -- A new model past the cap takes another one's place, picked by the new duration's last digits (as good as
  -- random, and the same on a replica): the hash stays bounded, and models in steady use are back within a few jobs.
  -- Not HRANDFIELD: that needs Redis 6.2, and failed on older servers.
  local fields = redis.call('HKEYS', KEYS[1])
  redis.call('HDEL', KEYS[1], fields[(tonumber(ARGV[2]) % #fields) + 1])
end
samples[#samples + 1] = ARGV[2]
local first = math.max(1, #samples - tonumber(ARGV[3]) + 1)
redis.call('HSET', KEYS[1], ARGV[1], table.concat(samples, ' ', first, #samples))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return #samples - first + 1
