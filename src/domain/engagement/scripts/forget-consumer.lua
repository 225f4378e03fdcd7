-- forget-consumer.lua: removes a consumer from a group only if it owns no
-- pending entries and has been idle at least ARGV[3] ms, checked and done in
-- one atomic step: XGROUP DELCONSUMER drops the consumer's pending entries, so
-- a check in one command and the delete in another could lose entries it read
-- in between.
--
-- KEYS[1]  the day stream
-- ARGV[1]  the group
-- ARGV[2]  the consumer to remove
-- ARGV[3]  minimum idle time in ms
--
-- Returns 1 when the consumer was removed, 0 otherwise.
local consumers = redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
local minIdle = tonumber(ARGV[3])
for _, c in ipairs(consumers) do
  local info = {}
  for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
  if info['name'] == ARGV[2] then
    if tonumber(info['pending']) == 0 and tonumber(info['idle']) >= minIdle then
      redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
      return 1
    end
    return 0
  end
end
return 0
