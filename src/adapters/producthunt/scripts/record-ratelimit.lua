-- Records one observation of the Product Hunt rate-limit headers in the shared
-- hash, so every process sharing this Redis respects one budget. Responses of
-- concurrent requests arrive out of order: within one window (resets within 2 s
-- of each other, the header counts whole seconds) the lowest Remaining wins; an
-- observation of a later window replaces an earlier one; an expired window is
-- replaced by anything.
-- KEYS[1]  rate-limit hash (keys.phRateLimit): fields limit, remaining, resetAt, updatedAt
-- ARGV[1]  limit (points per window)
-- ARGV[2]  remaining (signed; negative after an overrun)
-- ARGV[3]  resetAt, epoch ms
-- ARGV[4]  now, epoch ms
-- ARGV[5]  ms to keep the hash after its reset (so status can still show it)
-- Returns {limit, remaining, resetAt} as stored.
local limit = tonumber(ARGV[1])
local remaining = tonumber(ARGV[2])
local resetAt = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local keep = tonumber(ARGV[5])

local stored = redis.call('HMGET', KEYS[1], 'limit', 'remaining', 'resetAt')
local sLimit = tonumber(stored[1])
local sRemaining = tonumber(stored[2])
local sResetAt = tonumber(stored[3])

if sResetAt ~= nil and sRemaining ~= nil and sResetAt > now then
  if math.abs(sResetAt - resetAt) <= 2000 then
    remaining = math.min(sRemaining, remaining)
    resetAt = math.max(sResetAt, resetAt)
    if limit == 0 and sLimit ~= nil then limit = sLimit end
  elseif sResetAt > resetAt then
    return {sLimit or 0, sRemaining, sResetAt}
  end
end

redis.call('HSET', KEYS[1], 'limit', limit, 'remaining', remaining, 'resetAt', resetAt, 'updatedAt', now)
redis.call('PEXPIREAT', KEYS[1], resetAt + keep)
return {limit, remaining, resetAt}
