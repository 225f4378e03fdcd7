-- Records one observation of the Product Hunt rate-limit headers in the shared
-- hash, so every process sharing this Redis respects one budget. Responses of
-- concurrent requests arrive out of order: within one window (resets within 2 s
-- of each other, the header counts whole seconds) the lowest Remaining wins; an
-- observation of a later window replaces an earlier one; an expired window is
-- replaced by anything. A 429 (ARGV[6] = 1) inside a later window already known
-- marks that window spent.
-- Every argument is checked and the reset clamped BEFORE anything is written:
-- Redis does not roll back a script that fails halfway, and a hash written
-- without its expiry would outlive every reset. The expiry is at most ARGV[7].
-- KEYS[1]  rate-limit hash (keys.phRateLimit): fields limit, remaining, resetAt, updatedAt
-- ARGV[1]  limit (points per window)
-- ARGV[2]  remaining (signed; negative after an overrun)
-- ARGV[3]  resetAt, epoch ms
-- ARGV[4]  now, epoch ms
-- ARGV[5]  ms to keep the hash after its reset (so status can still show it)
-- ARGV[6]  1 when the observation is a 429, else 0
-- ARGV[7]  the farthest believable reset, ms from now (and the longest expiry)
-- ARGV[8]  the window assumed when the reset is not believable, ms
-- Returns {limit, remaining, resetAt} as stored.
local limit = tonumber(ARGV[1])
local remaining = tonumber(ARGV[2])
local resetAt = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local keep = tonumber(ARGV[5])
local spent = ARGV[6] == '1'
local maxAhead = tonumber(ARGV[7])
local unknownWindow = tonumber(ARGV[8])
if not (limit and remaining and resetAt and now and keep and maxAhead and unknownWindow) then
  return redis.error_reply('ERR record-ratelimit: a numeric argument is missing or not a number')
end
-- NaN fails every comparison; infinities and absurd values fail the bound.
if not (resetAt >= now - maxAhead and resetAt <= now + maxAhead) then resetAt = now + unknownWindow end
if not (limit > -1e15 and limit < 1e15) then limit = 0 end
if not (remaining > -1e15 and remaining < 1e15) then remaining = 0 end

local stored = redis.call('HMGET', KEYS[1], 'limit', 'remaining', 'resetAt')
local sLimit = tonumber(stored[1])
local sRemaining = tonumber(stored[2])
local sResetAt = tonumber(stored[3])
-- A stored reset beyond belief (written by an older version) is ignored and replaced.
if sResetAt ~= nil and sResetAt > now + maxAhead then sResetAt = nil end

if sResetAt ~= nil and sRemaining ~= nil and sResetAt > now then
  if math.abs(sResetAt - resetAt) <= 2000 then
    remaining = math.min(sRemaining, remaining)
    resetAt = math.max(sResetAt, resetAt)
    if limit == 0 and sLimit ~= nil then limit = sLimit end
  elseif sResetAt > resetAt then
    if not spent or sRemaining <= 0 then
      return {sLimit or 0, sRemaining, sResetAt}
    end
    remaining = math.min(remaining, 0)
    resetAt = sResetAt
    if limit == 0 and sLimit ~= nil then limit = sLimit end
  end
end

local ttl = math.floor(resetAt - now + keep)
if ttl < 1000 then ttl = 1000 end
if ttl > maxAhead then ttl = maxAhead end
redis.call('HSET', KEYS[1], 'limit', limit, 'remaining', remaining, 'resetAt', resetAt, 'updatedAt', now)
redis.call('PEXPIRE', KEYS[1], ttl)
return {limit, remaining, resetAt}
