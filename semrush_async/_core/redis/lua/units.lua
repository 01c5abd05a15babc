-- Prelude of the unit budget scripts. KEYS: totals hash (spent, reserved),
-- reservations hash (id -> "worker units"), workers zset (worker -> liveness
-- expiry), spent-by hash (worker -> running total it has spent). ``reserved`` always
-- equals the sum of the live reservations: every change to either happens in one
-- script. Purges the dead workers' reservations first.
local function purge()
  local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
  if #dead == 0 then return end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  local gone = {}
  for _, w in ipairs(dead) do gone[w] = true end
  local all = redis.call('HGETALL', KEYS[2])
  local freed = 0
  for i = 1, #all, 2 do
    local w, u = string.match(all[i + 1], '^(%S+) (%d+)$')
    if gone[w] then
      redis.call('HDEL', KEYS[2], all[i])
      freed = freed + tonumber(u)
    end
  end
  if freed > 0 then redis.call('HINCRBY', KEYS[1], 'reserved', -freed) end
end
local function alive(worker, ttl)
  return redis.call('ZADD', KEYS[3], now + ttl, worker)
end
local function sync(worker, spent)
  local old = tonumber(redis.call('HGET', KEYS[4], worker) or '0')
  if spent > old then
    redis.call('HSET', KEYS[4], worker, spent)
    redis.call('HINCRBY', KEYS[1], 'spent', spent - old)
  end
end
local function drop(id)
  local v = redis.call('HGET', KEYS[2], id)
  if v then
    redis.call('HDEL', KEYS[2], id)
    redis.call('HINCRBY', KEYS[1], 'reserved', -tonumber(string.match(v, ' (%d+)$')))
  end
end
local function totals()
  local spent = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0')
  local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
  return spent, reserved
end
purge()
