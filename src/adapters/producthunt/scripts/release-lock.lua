-- Releases the fetch lock of one Product Hunt query only if this process still
-- holds it (it may have expired and been taken by another process meanwhile).
-- KEYS[1]  lock key (keys.phLock)
-- ARGV[1]  the holder's random token
-- Returns 1 when released, 0 otherwise.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
