-- A late send. KEYS: log. ARGV: window, recorded slot, seconds late. Moves a slot
-- whose request left late (still in the log) to when it left.
local pos = redis.call('LPOS', KEYS[1], ARGV[2])
if not pos then return 0 end
local moved = tonumber(ARGV[2]) + tonumber(ARGV[3])
redis.call('LSET', KEYS[1], pos, string.format('%.6f', moved))
local ttl = math.ceil((moved - now + tonumber(ARGV[1])) * 1000) + 1000
if ttl > redis.call('PTTL', KEYS[1]) then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
