-- pay-deltas.lua: adds a consumer's counter deltas to the counters hash once
-- (Redis Cluster, where the counters live in another slot than the states and
-- are written after the script calls that return the deltas). A payment may be
-- executed and its reply lost, and a client re-sends it after a reconnect, or
-- the consumer sends it again: the mark of the last payment each consumer made
-- is kept in the hash, and a payment at or below it changes nothing.
--
-- KEYS[1]  conv:stats
-- ARGV[1]  the hash field of this consumer's mark ("paid:<consumer>")
-- ARGV[2]  this payment's mark: "<run> <seq>", seq growing within a run
-- ARGV[3]  now in ms (updatedAt)
-- ARGV[4..] field, delta pairs
--
-- Returns 1 when the deltas were added, 0 when the payment was made before.
local mark = redis.call('HGET', KEYS[1], ARGV[1])
local run, seq = string.match(ARGV[2], '^(%S+) (%d+)$')
if mark then
  local lastRun, lastSeq = string.match(mark, '^(%S+) (%d+)$')
  if lastRun == run and tonumber(lastSeq) >= tonumber(seq) then return 0 end
end
for i = 4, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], 'updatedAt', ARGV[3])
return 1
