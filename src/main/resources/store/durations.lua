-- How long a provider's jobs took, newest last: one hash per provider, a field per model ('-' for none), each a
-- space-separated list of durations in ms, capped. Shared by every instance; bounded whatever models callers send.
-- KEYS[1] the provider's durations hash (one key: a single slot in a cluster)
-- ARGV[1] field (the model), ARGV[2] duration in ms, ARGV[3] durations kept per field, ARGV[4] fields kept at most,
-- ARGV[5] ttl ms (a provider no longer used is forgotten)
-- Returns how many durations the field now holds.
redis.replicate_commands()
local kept = redis.call('HGET', KEYS[1], ARGV[1])
local samples = {}
if kept then
  for value in string.gmatch(kept, '%d+') do
    samples[#samples + 1] = value
  end
elseif redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then
  -- A new model past the cap takes a random one's place: the hash stays bounded, and models in steady use are back
  -- within a few jobs.
  redis.call('HDEL', KEYS[1], redis.call('HRANDFIELD', KEYS[1]))
end
samples[#samples + 1] = ARGV[2]
local first = math.max(1, #samples - tonumber(ARGV[3]) + 1)
redis.call('HSET', KEYS[1], ARGV[1], table.concat(samples, ' ', first, #samples))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return #samples - first + 1
