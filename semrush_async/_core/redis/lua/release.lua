-- KEYS: leases, signal. ARGV: id. Frees the slot and wakes a waiter.
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('LPUSH', KEYS[2], '1')
redis.call('LTRIM', KEYS[2], 0, 63)
redis.call('PEXPIRE', KEYS[2], 60000)
return 1
