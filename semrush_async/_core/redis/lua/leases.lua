-- Prelude of the lease scripts. The leases key (KEYS[1]) lives as long as its
-- longest lease (plus 1 s): a renewal extends both the lease and the key, so the
-- key never expires under a live holder.
local function keep_leases()
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if last[2] then
    redis.call('PEXPIRE', KEYS[1], math.ceil((tonumber(last[2]) - now) * 1000) + 1000)
  end
end
