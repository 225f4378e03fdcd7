-- Releases the fetch lock of one Product Hunt query only if this process still
-- holds it (it may have expired and been taken by another process meanwhile).
-- With ARGV[2], the lock is not deleted but replaced by that value for ARGV[3]
-- ms: the holder's failure, so processes waiting for its answer fail the same
-- way instead of each repeating a request that was just refused.
-- KEYS[1]  lock key (keys.phLock)
-- ARGV[1]  the holder's random token
-- ARGV[2]  optional: "error:<json>" to leave behind
-- ARGV[3]  optional: how long that value lives, ms
-- Returns 1 when released (or replaced), 0 otherwise.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if ARGV[2] and ARGV[2] ~= '' then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', tonumber(ARGV[3]))
  return 1
end
return redis.call('DEL', KEYS[1])
