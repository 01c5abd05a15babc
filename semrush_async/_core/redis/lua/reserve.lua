-- A start slot. KEYS: log, pause. ARGV: n, window, mode. Returns {wait, recorded
-- slot} as strings (Lua numbers become integers in Redis replies). The earliest of
-- the last n slots, not the n-th latest: a slot moved by a late send may no longer
-- be in order.
-- Modes: 'slot' reserves the next free slot, however far ahead; 'peek' records
-- nothing and returns the wait ('0' when a start would be admitted now); 'now'
-- records a start now if one is admitted now, else records nothing (recorded '').
local n = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local mode = ARGV[3]
local start = now
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
if pause > start then start = pause end
if redis.call('LLEN', KEYS[1]) >= n then
  local earliest = math.huge
  for _, v in ipairs(redis.call('LRANGE', KEYS[1], -n, -1)) do
    local x = tonumber(v)
    if x < earliest then earliest = x end
  end
  if earliest + window > start then start = earliest + window end
end
if mode ~= 'slot' then
  if start - now > 0.00001 then return {string.format('%.6f', start - now), ''} end
  if mode == 'peek' then return {'0', ''} end
end
local recorded = string.format('%.6f', start)
redis.call('RPUSH', KEYS[1], recorded)
redis.call('LTRIM', KEYS[1], -n, -1)
redis.call('PEXPIRE', KEYS[1], math.ceil((start - now + window) * 1000) + 1000)
return {string.format('%.6f', start - now), recorded}
