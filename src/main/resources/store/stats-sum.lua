-- Sums the per-minute delivery counts of one provider over a run of minutes (the operator's delivery report): one
-- command for many minutes instead of one HGETALL each. All keys share the provider's hash tag (one cluster slot).
-- KEYS the minutes' hashes (missing ones count nothing)
-- Returns a flat list of field, total, field, total, ...
local totals = {}
local order = {}
for _, key in ipairs(KEYS) do
  local fields = redis.call('HGETALL', key)
  for i = 1, #fields, 2 do
    local field = fields[i]
    if totals[field] == nil then
      totals[field] = 0
      order[#order + 1] = field
    end
    totals[field] = totals[field] + tonumber(fields[i + 1])
  end
end
local reply = {}
for _, field in ipairs(order) do
  reply[#reply + 1] = field
  reply[#reply + 1] = tostring(totals[field])
end
return reply
