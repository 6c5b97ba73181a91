-- Moves the end of a job's check lease, for its holder only: a holder whose lease ran out (and was taken by another
-- instance) finds another owner in it and changes nothing. An end in the past ends the lease at once.
-- KEYS[1] the lease   ARGV[1] the holder's owner token   ARGV[2] ms from now to the new end (the gateway's clock says
-- when the end is; Redis counts down from its own now, so a moved test clock does not strand a lease)
-- Returns 1 if the lease was the holder's, 0 if not (ran out, or taken by another).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if tonumber(ARGV[2]) <= 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
