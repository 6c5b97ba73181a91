-- An Idempotency-Key record: a string "<state> <request fingerprint> <job id>", state in_flight or done.
-- KEYS[1] the record
-- ARGV[1] op
--   claim:    ARGV[2] in-flight value, ARGV[3] lease ms    -> false if claimed now, else the value already there
--   complete: ARGV[2] in-flight value, ARGV[3] done value, ARGV[4] ttl ms -> 1 if the claim was still ours
--   release:  ARGV[2] in-flight value                      -> 1 if the claim was still ours (and is gone now)
-- complete and release compare first, so a submit whose lease ran out never overwrites a later claim.
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
if op == 'complete' then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
else
  redis.call('DEL', KEYS[1])
end
return 1
