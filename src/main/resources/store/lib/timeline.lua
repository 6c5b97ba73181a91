-- Prepended to every script that changes a job (see RedisScript): how each change ends.

-- A timeline entry, the stream capped at its maximum (exactly: timelines are small).
local function append_entry(timelineKey, maxEntries, entryType, at, outcome, reason, version, data)
  redis.call('XADD', timelineKey, 'MAXLEN', maxEntries, '*',
    'type', entryType, 'at', at, 'outcome', outcome, 'reason', reason, 'version', version, 'data', data)
end

-- The entry of a change, and the job's two keys kept for the retention period from now.
local function append_timeline(jobKey, timelineKey, maxEntries, ttlMs, entryType, at, outcome, reason, version, data)
  append_entry(timelineKey, maxEntries, entryType, at, outcome, reason, version, data)
  redis.call('PEXPIRE', jobKey, ttlMs)
  redis.call('PEXPIRE', timelineKey, ttlMs)
end
