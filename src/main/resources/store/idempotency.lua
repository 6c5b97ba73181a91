-- An Idempotency-Key record: a string "<state> <request fingerprint> <job id> <claimed at, epoch ms>", state
-- in_flight or done. It lives for the key's whole TTL from the claim on: whether an in_flight claim is still being
-- worked on is told by its job (stored, handed off), never by the record expiring, so a slow hand-off or a lost
-- 'complete' can never make the key free for a second job.
-- KEYS[1] the record
-- ARGV[1] op
--   claim:    ARGV[2] in-flight value, ARGV[3] ttl ms           -> false if claimed now, else the value already there
--   takeover: ARGV[2] value seen, ARGV[3] new in-flight value, ARGV[4] ttl ms -> 1 if the record still held the
--             value seen and now holds the new one (a claim whose submit never stored its job)
--   complete: ARGV[2] in-flight value, ARGV[3] done value, ARGV[4] ttl ms -> 1 if the claim was still ours
local op = ARGV[1]
if op == 'claim' then
  if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[3]) then
    return false
  end
  return redis.call('GET', KEYS[1])
end
if redis.call('GET', KEYS[1]) ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1
