-- Adds to the per-minute delivery counts of one provider (the operator's delivery report) and keeps them for the
-- retention. One key per provider and minute: any Redis Cluster slot will do.
-- KEYS[1] the minute's hash   ARGV[1] retention ms   ARGV[2..] fields to add 1 to
for i = 2, #ARGV do
  redis.call('HINCRBY', KEYS[1], ARGV[i], 1)
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
