-- wrk script for the webhook-ingest scenario: replays pre-signed webhooks, each sent once.
-- Usage: wrk -t2 -c64 -d5s -s bench/webhooks.lua <base url> -- <file> <threads>
-- Each line of <file>: path, webhook-id, webhook-timestamp, webhook-signature, body (tab-separated).
-- Thread i sends lines i, i + threads, ...; the benchmark signs more lines than the rate it measured can send in the
-- run (SignedReplays); a thread that runs out starts over, and the benchmark discards that replay and signs more.

local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  local stride = tonumber(args[2])
  requests = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % stride == id then
      local path, webhook_id, timestamp, signature, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", path, {
        ["Content-Type"] = "application/json",
        ["webhook-id"] = webhook_id,
        ["webhook-timestamp"] = timestamp,
        ["webhook-signature"] = signature,
      }, body)
    end
    n = n + 1
  end
  index = 0
end

function request()
  index = index + 1
  if index > #requests then
    index = 1
  end
  return requests[index]
end
