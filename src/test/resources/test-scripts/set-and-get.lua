-- A test script: writes ARGV[1] to KEYS[1]'s field "v" and reads it back (SharedConnectionClusterTest).
redis.call('HSET', KEYS[1], 'v', ARGV[1])
return redis.call('HGET', KEYS[1], 'v')
