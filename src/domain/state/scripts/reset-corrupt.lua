-- Resets one corrupt conversion state to the default state, but only if the key
-- still holds the corrupt value the deep scan read: a consumer may have written
-- a valid state since, and that must not be clobbered.
-- KEYS[1]  conv:state:<userId>
-- ARGV[1]  the corrupt value the scan read
-- ARGV[2]  the default state (JSON)
-- ARGV[3]  conversion.stateTtl in seconds, used when the key has no TTL left
-- Returns 1 when the value was reset, 0 when it had changed or vanished.
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] then
  return 0
end
local pttl = redis.call('PTTL', KEYS[1])
if pttl > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', pttl)
else
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return 1
