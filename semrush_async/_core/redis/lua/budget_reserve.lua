-- ARGV: worker, running spent, ttl, budget (or -1), units, id.
-- Returns {'ok' | 'over', units available before this reservation, worker was new}.
local worker, budget, units = ARGV[1], tonumber(ARGV[4]), tonumber(ARGV[5])
local new = alive(worker, tonumber(ARGV[3]))
sync(worker, tonumber(ARGV[2]))
if redis.call('HEXISTS', KEYS[2], ARGV[6]) == 1 then return {'ok', '0', new} end
local spent, reserved = totals()
local available = tostring(budget - spent - reserved)
if budget >= 0 and spent + reserved + units > budget then return {'over', available, new} end
if redis.call('HSETNX', KEYS[2], ARGV[6], worker .. ' ' .. units) == 1 then
  redis.call('HINCRBY', KEYS[1], 'reserved', units)
end
return {'ok', available, new}
