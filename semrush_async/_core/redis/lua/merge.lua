-- Fallback starts. KEYS: log. ARGV: n, window, ages of local (fallback) starts.
-- Merges them into the log so that shared admission counts what this process
-- started while Redis was away.
local n = tonumber(ARGV[1])
local items = {}
for _, v in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do table.insert(items, tonumber(v)) end
for i = 3, #ARGV do table.insert(items, now - tonumber(ARGV[i])) end
table.sort(items)
redis.call('DEL', KEYS[1])
local first = math.max(1, #items - n + 1)
for i = first, #items do redis.call('RPUSH', KEYS[1], string.format('%.6f', items[i])) end
if #items > 0 then
  local last = items[#items]
  redis.call('PEXPIRE', KEYS[1], math.ceil((last - now + tonumber(ARGV[2])) * 1000) + 1000)
end
return #items
