-- KEYS: lock, signal. ARGV: token. Deletes the lock only for its owner and wakes a
-- waiter.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('LPUSH', KEYS[2], '1')
  redis.call('LTRIM', KEYS[2], 0, 63)
  redis.call('PEXPIRE', KEYS[2], 60000)
  return 1
end
return 0
