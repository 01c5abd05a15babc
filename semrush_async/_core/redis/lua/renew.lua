-- KEYS: leases. ARGV: id, ttl. Extends a lease still held; 0 when it was lost.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[1])
keep_leases()
return held
