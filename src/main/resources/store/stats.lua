-- Adds to the per-minute delivery counts of one provider (the operator's delivery report) and keeps them for the
-- retention. One key per provider and minute: any Redis Cluster slot will do.
-- KEYS[1] the minute's hash   ARGV[1] retention ms   ARGV[2..] pairs of field and how much to add
for i = 2, #ARGV - 1, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
