-- ARGV: worker, running spent, ttl, id. An unknown id (a restart lost it, or it
-- expired) subtracts nothing. Returns whether the worker was new.
drop(ARGV[4])
local new = alive(ARGV[1], tonumber(ARGV[3]))
sync(ARGV[1], tonumber(ARGV[2]))
return new
