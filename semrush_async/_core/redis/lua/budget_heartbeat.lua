-- ARGV: worker, running spent, ttl, resync (0/1), n live, n live x (id, units), ids
-- to drop. Keeps the worker alive; after a restart (or with resync) re-adds its
-- live reservations. Returns whether the worker was new.
local worker = ARGV[1]
local new = alive(worker, tonumber(ARGV[3]))
sync(worker, tonumber(ARGV[2]))
local n = tonumber(ARGV[5])
if new == 1 or ARGV[4] == '1' then
  for i = 0, n - 1 do
    local id, units = ARGV[6 + 2 * i], ARGV[7 + 2 * i]
    if redis.call('HSETNX', KEYS[2], id, worker .. ' ' .. units) == 1 then
      redis.call('HINCRBY', KEYS[1], 'reserved', tonumber(units))
    end
  end
end
for i = 6 + 2 * n, #ARGV do drop(ARGV[i]) end
return new
