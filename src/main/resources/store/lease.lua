-- Moves the end of a job's check lease, for its holder only: a holder whose lease ran out (and was taken by another
-- instance) finds another owner in it and changes nothing. An end in the past ends the lease at once.
-- KEYS[1] the lease   ARGV[1] the holder's owner token   ARGV[2] the new end, epoch ms
-- Returns 1 if the lease was the holder's, 0 if not (ran out, or taken by another).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
