-- apply-events.lua: applies engagement entries to conversion states in one
-- atomic step on the server (no GET-then-SET race), skips entries a state has
-- already applied (exactly-once effect, see docs/consume.md), and on a single
-- Redis updates the counters hash in the same step. The rules are those of
-- ../rules.ts (applyRules); keep both in agreement.
--
-- KEYS[1]          conv:stats counters hash when ARGV[10] == '1'; otherwise
--                  untouched, and the caller passes a state key instead (on
--                  Redis Cluster the hash lives in another slot than the states)
-- KEYS[1+i]        conv:state:<userId> of entry i, i = 1..n (a key may repeat)
-- ARGV[1..4]       weight of hover, scroll, cta_click, form_submit, in millionths
-- ARGV[5]          pricingAt, in millionths
-- ARGV[6]          videoBelow, in millionths
-- ARGV[7]          idleMs
-- ARGV[8]          state TTL in seconds
-- ARGV[9]          watermark "<ms>-<seq>": applied records with a smaller ID can
--                  never be delivered again and are forgotten
-- ARGV[10]         '1': update KEYS[1] here; '0': only return the deltas
-- ARGV[11]         '1': return the new state of each entry
-- ARGV[12]         now in ms (the counters' updatedAt)
-- ARGV[13]         most applied records kept per state (a safety cap)
-- ARGV[14+3(i-1)]  applied record "<day>/<id>" of entry i, or '' to apply
--                  without de-duplication (the library's direct call)
-- ARGV[15+3(i-1)]  eventType of entry i
-- ARGV[16+3(i-1)]  ts of entry i (client ms, the clock of the rules)
--
-- Returns { statuses, deltas, state_1..state_n }: statuses has one character
-- per entry ('a' applied, 'd' already applied so skipped, 'r' applied over a
-- corrupt value that was reset); deltas is a flat list field, delta of the
-- counters change; the states (JSON) only when ARGV[11] == '1'.
--
-- Every write happens after the loop: a script error part-way writes nothing.

local UNITS = 1000000
local weights = {
  hover = tonumber(ARGV[1]), scroll = tonumber(ARGV[2]),
  cta_click = tonumber(ARGV[3]), form_submit = tonumber(ARGV[4]),
}
local pricingAt = tonumber(ARGV[5])
local videoBelow = tonumber(ARGV[6])
local idleMs = tonumber(ARGV[7])
-- Passed to SET as given: converting a Lua number back to a string costs more than the SET.
local ttl = ARGV[8]
local wmMs, wmSeq = string.match(ARGV[9], '^(%d+)-(%d+)$')
wmMs = tonumber(wmMs) or 0
wmSeq = tonumber(wmSeq) or 0
local updateCounters = ARGV[10] == '1'
local returnStates = ARGV[11] == '1'
local nowMs = ARGV[12]
local maxApplied = tonumber(ARGV[13])
local FIRST = 14
local n = #KEYS - 1

local function bucket(units)
  local b = math.floor(units / UNITS * 10)
  if b > 9 then b = 9 end
  if b < 0 then b = 0 end
  return b
end

local function to_units(confidence)
  return math.floor(confidence * UNITS + 0.5)
end

local function below_watermark(record)
  local ms, seq = string.match(record, '/(%d+)-(%d+)$')
  ms = tonumber(ms)
  seq = tonumber(seq)
  if not ms then return true end
  return ms < wmMs or (ms == wmMs and seq < wmSeq)
end

-- The state of a key, or nil; the second result is true when the value was
-- there but is not a valid state (it is then replaced).
local function load(key)
  local raw = redis.pcall('GET', key)
  if not raw then return nil, false end
  if type(raw) ~= 'string' then return nil, true end
  local ok, v = pcall(cjson.decode, raw)
  if not ok or type(v) ~= 'table' then return nil, true end
  if (v.variant ~= 'default' and v.variant ~= 'pricing' and v.variant ~= 'video')
    or type(v.confidence) ~= 'number' or v.confidence < 0 or v.confidence > 1
    or type(v.lastUpdated) ~= 'number' then
    return nil, true
  end
  if type(v.applied) ~= 'table' then v.applied = {} end
  if type(v.events) ~= 'number' then v.events = 0 end
  return v, false
end

-- Applied records are pruned only once a state holds more than this many:
-- most states never reach it, and a short list is cheaper to scan than to prune.
local PRUNE_ABOVE = 8

local function encode(s)
  local applied = s.applied
  if #applied > PRUNE_ABOVE then
    local kept = {}
    for _, r in ipairs(applied) do
      if not below_watermark(r) then kept[#kept + 1] = r end
    end
    -- The safety cap: keep the newest records.
    if #kept > maxApplied then
      local newest = {}
      for i = #kept - maxApplied + 1, #kept do newest[#newest + 1] = kept[i] end
      kept = newest
    end
    applied = kept
  end
  -- cjson writes an empty table as {}: leave the field out instead.
  if #applied == 0 then s.applied = nil else s.applied = applied end
  local text = cjson.encode(s)
  s.applied = applied
  return text
end

local function contains(list, value)
  -- Lua strings are interned: each == is a pointer comparison.
  for i = #list, 1, -1 do
    if list[i] == value then return true end
  end
  return false
end

local cache = {}
local order = {}
local statuses = {}
local states = {}
local appliedCount = 0

for i = 1, n do
  local key = KEYS[i + 1]
  local base = FIRST + 3 * (i - 1)
  local record = ARGV[base]
  local eventType = ARGV[base + 1]
  local ts = tonumber(ARGV[base + 2])
  local c = cache[key]
  if not c then
    local s, corrupt = load(key)
    c = { s = s, corrupt = corrupt }
    if s then
      c.v0 = s.variant
      c.b0 = bucket(to_units(s.confidence))
    end
    cache[key] = c
    order[#order + 1] = key
  end
  local s = c.s
  if record ~= '' and s and contains(s.applied, record) then
    statuses[i] = 'd'
  else
    local prevUnits = s and to_units(s.confidence) or 0
    local units = math.min(UNITS, prevUnits + (weights[eventType] or 0))
    local variant = s and s.variant or 'default'
    if units >= pricingAt then
      variant = 'pricing'
    elseif s and prevUnits < videoBelow and (ts - s.lastUpdated) > idleMs then
      -- idle measured against the PREVIOUS update (the seed's bug fixed), and
      -- the confidence before this event (see applyRules in ../rules.ts)
      variant = 'video'
    end
    local ns = s or { applied = {}, events = 0 }
    ns.variant = variant
    ns.confidence = units / UNITS
    ns.lastUpdated = s and math.max(s.lastUpdated, ts) or ts
    ns.events = ns.events + 1
    if record ~= '' then ns.applied[#ns.applied + 1] = record end
    c.s = ns
    c.dirty = true
    appliedCount = appliedCount + 1
    if c.corrupt and not c.reported then
      statuses[i] = 'r'
      c.reported = true
    else
      statuses[i] = 'a'
    end
  end
  if returnStates then states[i] = c.s and encode(c.s) or '' end
end

local users = 0
local variantDelta = { default = 0, pricing = 0, video = 0 }
local histDelta = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
for _, key in ipairs(order) do
  local c = cache[key]
  if c.dirty then
    redis.call('SET', key, encode(c.s), 'EX', ttl)
    if c.v0 then
      variantDelta[c.v0] = variantDelta[c.v0] - 1
      histDelta[c.b0 + 1] = histDelta[c.b0 + 1] - 1
    else
      users = users + 1
    end
    local v = c.s.variant
    variantDelta[v] = variantDelta[v] + 1
    local b = bucket(to_units(c.s.confidence)) + 1
    histDelta[b] = histDelta[b] + 1
  end
end

local flat = {}
local function emit(field, d)
  if d ~= 0 then
    flat[#flat + 1] = field
    flat[#flat + 1] = d
    if updateCounters then redis.call('HINCRBY', KEYS[1], field, tostring(d)) end
  end
end
emit('events', appliedCount)
emit('users', users)
emit('variant:default', variantDelta.default)
emit('variant:pricing', variantDelta.pricing)
emit('variant:video', variantDelta.video)
for b = 1, 10 do emit('hist:' .. (b - 1), histDelta[b]) end
if updateCounters and appliedCount > 0 then redis.call('HSET', KEYS[1], 'updatedAt', nowMs) end

local reply = { table.concat(statuses), flat }
if returnStates then
  for i = 1, n do reply[#reply + 1] = states[i] end
end
return reply
