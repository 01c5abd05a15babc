-- A 429's pause. KEYS: pause. ARGV: seconds. Returns the seconds paused from now.
local untl = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if untl > cur then
  redis.call('SET', KEYS[1], string.format('%.6f', untl), 'PX',
             math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return string.format('%.6f', math.max(untl, cur) - now)
