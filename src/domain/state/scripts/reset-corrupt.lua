-- Resets one corrupt conversion state to the default state, but only if the key
-- still holds what the deep scan saw: a consumer may have written a valid
-- state since, and that must not be clobbered.
-- KEYS[1]  conv:state:<userId>
-- ARGV[1]  the corrupt value the scan read (a string key), or '' for another type
-- ARGV[2]  the default state (JSON)
-- ARGV[3]  conversion.stateTtl in seconds, used when the key has no TTL left
-- ARGV[4]  the key type the scan saw: 'string', or e.g. 'hash' (replaced by a string)
-- Returns 1 when the value was reset, 0 when it had changed or vanished.
local keyType = redis.call('TYPE', KEYS[1]).ok
if keyType ~= ARGV[4] then
  return 0
end
if keyType == 'string' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local pttl = redis.call('PTTL', KEYS[1])
if keyType ~= 'string' then
  redis.call('DEL', KEYS[1])
end
if pttl > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', pttl)
else
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return 1
