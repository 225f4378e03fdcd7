-- Runs one step of a trim plan, atomically checking that the stream has not
-- grown past what the plan allowed: entries added since the plan would push a
-- MAXLEN window into entries a consumer group has not acked, and would be
-- undelivered entries of a stream planned for deletion.
-- KEYS[1]  the day stream
-- ARGV[1]  "UNLINK" (delete the stream; memory is freed in the background), "MAXLEN" or "MINID"
-- ARGV[2]  the MAXLEN count or the MINID id (ignored for UNLINK)
-- ARGV[3]  the most entries the stream may hold for the plan to be safe, or -1 for no check
-- XTRIM with ~ removes at most 100 macro nodes per call (its default LIMIT): the
-- caller calls again until 0 entries go.
-- Returns the number of entries removed, or -1 when the check failed (nothing was done).
local length = redis.call('XLEN', KEYS[1])
local guard = tonumber(ARGV[3])
if guard >= 0 and length > guard then
  return -1
end
if ARGV[1] == 'UNLINK' then
  redis.call('UNLINK', KEYS[1])
  return length
end
return redis.call('XTRIM', KEYS[1], ARGV[1], '~', ARGV[2])
