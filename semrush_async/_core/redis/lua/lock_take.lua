-- KEYS: lock. ARGV: token, ttl ms. Takes the lock if free (or already ours); else
-- returns 0.
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then return 1 end
if cur then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
