-- trim-acked.lua: makes room in a day stream under OOM by removing only the
-- entries that EVERY consumer group of the stream has already acked, in one
-- atomic step (no group can be created, or read further, in between).
--
-- An entry is still needed by a group when it is pending there (delivered, not
-- acked) or after the group's last-delivered-id (not delivered yet). The cut
-- is the smallest of: each group's oldest pending ID and each group's
-- last-delivered-id + 1. A stream with no group is not trimmed at all:
-- `consume` creates its group at ID 0 and will read every entry.
-- Exact MINID (not ~): under OOM even a small stream must give up what it can.
-- (Before Redis 8.2, XTRIM ignores groups, so the check is ours.)
--
-- KEYS[1]  the day stream
--
-- Returns { entries removed, the MINID used or "" when nothing may go }.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return { 0, '' }
end

local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end

local function less(a, b)
  local ams, aseq = parse(a)
  local bms, bseq = parse(b)
  if ams ~= bms then return ams < bms end
  return aseq < bseq
end

local cut = nil
local function consider(id)
  if id and (cut == nil or less(id, cut)) then cut = id end
end

local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
for _, group in ipairs(groups) do
  local name, pending, last
  for i = 1, #group, 2 do
    if group[i] == 'name' then name = group[i + 1]
    elseif group[i] == 'pending' then pending = group[i + 1]
    elseif group[i] == 'last-delivered-id' then last = group[i + 1] end
  end
  local ms, seq = parse(last)
  consider(string.format('%.0f-%.0f', ms, seq + 1))
  if pending > 0 then
    consider(redis.call('XPENDING', KEYS[1], name)[2])
  end
end

if cut == nil then
  return { 0, '' }
end
return { redis.call('XTRIM', KEYS[1], 'MINID', cut), cut }
