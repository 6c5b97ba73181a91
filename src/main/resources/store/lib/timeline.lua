-- Prepended to every script that changes a job (see RedisScript): how each change ends. The timeline entry is
-- appended (the stream capped near its maximum) and the job's two keys are kept for the retention period from now.
local function append_timeline(jobKey, timelineKey, maxEntries, ttlMs, entryType, at, outcome, reason, version, data)
  redis.call('XADD', timelineKey, 'MAXLEN', '~', maxEntries, '*',
    'type', entryType, 'at', at, 'outcome', outcome, 'reason', reason, 'version', version, 'data', data)
  redis.call('PEXPIRE', jobKey, ttlMs)
  redis.call('PEXPIRE', timelineKey, ttlMs)
end
