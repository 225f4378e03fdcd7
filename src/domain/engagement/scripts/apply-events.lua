-- apply-events.lua: applies engagement entries to conversion states in one
-- atomic step on the server (no GET-then-SET race) and writes each touched
-- state once per call. How an entry is de-duplicated depends on where the call
-- runs (docs/consume.md, "Exactly-once effect"):
--
-- - ack mode (a single Redis): the entry is applied only when it is still
--   pending for this consumer (no other consumer completed it or took it over),
--   and acked here, in the same atomic step as the state write.
-- - record mode (Redis Cluster, where the stream lives in another slot): the
--   state keeps "<day>/<id>" records of the entries applied to it and skips an
--   entry whose record is there; records below the watermark are forgotten. A
--   deadline (server ms) fences off a consumer that was paused: past it the
--   call writes nothing and returns 'S'.
-- - direct (the library's evaluateConversionPath): no de-duplication.
--
-- The rules are those of ../rules.ts (applyRules); keep both in agreement.
--
-- KEYS[1]            conv:stats counters hash when ARGV[9] == '1'; otherwise
--                    untouched (on a Cluster the caller passes a state key here)
-- KEYS[2]            the dead-letter stream when ARGV[19] > 0 (else untouched,
--                    and a Cluster caller passes a state key)
-- KEYS[2+s]          day stream s, s = 1..ARGV[14] (ack mode only)
-- KEYS[2+S+k]        conv:state key k, k = 1.. (each key once)
-- ARGV[1..4]         weight of hover, scroll, cta_click, form_submit, in millionths
-- ARGV[5]            pricingAt, in millionths
-- ARGV[6]            videoBelow, in millionths
-- ARGV[7]            idleMs
-- ARGV[8]            state TTL in seconds
-- ARGV[9]            '1': update KEYS[1] here; '0': only return the deltas
-- ARGV[10]           '1': return the new state of each entry
-- ARGV[11]           now in ms (the counters' updatedAt)
-- ARGV[12]           most applied records kept per state (record mode's safety cap)
-- ARGV[13]           the consumer group (ack mode)
-- ARGV[14]           S, the number of day streams in KEYS
-- ARGV[15]           n, the number of entries to apply
-- ARGV[16]           deadline in server ms, or '' for none (record mode)
-- ARGV[17]           watermark "<ms>-<seq>": records below it are forgotten
-- ARGV[18]           MAXLEN ~ of the dead-letter stream
-- ARGV[19]           m, the number of dead entries
-- ARGV[20]           this consumer's name (ack mode: only entries pending for it
--                    are applied; a stream's entries come in ID order, as
--                    XREADGROUP, XAUTOCLAIM and history reads return them)
-- ARGV[21]           this call's id (record mode; '' for none): a state the call
--                    applies entries to keeps what the call did in its
--                    `lastCall` field, "<last record>|<entries>|<variant
--                    before>|<bucket before>|<call id>"
-- ARGV[22]           r, the number of call ids that follow
-- ARGV[23..22+r]     calls of this consumer whose reply it never heard. A state
--                    whose lastCall is one of them, or this call itself (a
--                    client that re-sent it after a reconnect), and whose last
--                    record is among the entries this call finds done, gives
--                    that call's counter deltas back, once (lastCall is then
--                    removed): the counters stay exact across lost replies
-- ARGV[23+r+5(i-1)..] entry i: stream index s (0: not acked here), entry id (s > 0)
--                    or record "<day>/<id>" (s = 0; '' for none), state key
--                    index k, eventType, ts (client ms, the clock of the rules)
-- then, per dead entry: stream index s, entry id, reason, field count f, f fields
--
-- Returns { statuses, deltas, ackError, state_1..state_n }, statuses one character per
-- entry then per dead entry: 'a' applied, 'r' applied over a corrupt value that
-- was reset, 'd' skipped (already acked or recorded: done elsewhere), 'p'
-- applied by the call being recovered (its deltas are in this reply), 'x'
-- dead-lettered, 'g' not applied because the group or stream is gone (NOGROUP),
-- 'e' not applied because XACK failed otherwise (the entry stays pending);
-- deltas a flat list field, delta of the counters change; ackError the first
-- error XACK answered with ('' for none: NOPERM when the ACL user lacks XACK...); the states (JSON)
-- only when ARGV[10] == '1'. { 'S' } alone: past the deadline, nothing written.
--
-- An error before the first write (OOM, READONLY...) is raised: nothing was
-- written. After the first write nothing raises: every entry acked is applied.

if ARGV[16] ~= '' then
  -- TIME makes the script non-deterministic: Redis < 7 needs effects replication.
  if redis.replicate_commands then redis.replicate_commands() end
  local t = redis.call('TIME')
  local nowServer = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if nowServer > tonumber(ARGV[16]) then return { 'S' } end
end

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
local updateCounters = ARGV[9] == '1'
local returnStates = ARGV[10] == '1'
local nowMs = ARGV[11]
local maxApplied = tonumber(ARGV[12])
local group = ARGV[13]
local S = tonumber(ARGV[14])
local n = tonumber(ARGV[15])
local wmMs, wmSeq = string.match(ARGV[17], '^(%d+)-(%d+)$')
wmMs = tonumber(wmMs) or 0
wmSeq = tonumber(wmSeq) or 0
local deadMaxLen = ARGV[18]
local m = tonumber(ARGV[19])
local consumer = ARGV[20]
local callId = ARGV[21]
local recoverable = {}
local r = tonumber(ARGV[22])
for j = 1, r do recoverable[ARGV[22 + j]] = true end
if callId ~= '' then recoverable[callId] = true end
local FIRST = 23 + r
local KEY0 = 2 + S

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
-- there but is not a valid state (it is then replaced); the third, that it has
-- no fields but the four of FAST_SHAPE (and applied records).
-- The shape encode() writes, read without building a table through cjson.
local FAST_SHAPE = '^{"variant":"(%l+)","confidence":([%d.e-]+),"lastUpdated":(%d+),"events":(%d+)}$'

local function load(key)
  local raw = redis.pcall('GET', key)
  if not raw then return nil, false end
  if type(raw) ~= 'string' then return nil, true end
  local fv, fc, fl, fe = string.match(raw, FAST_SHAPE)
  if fv and (fv == 'default' or fv == 'pricing' or fv == 'video') then
    local c = tonumber(fc)
    if c and c >= 0 and c <= 1 then
      return { variant = fv, confidence = c, lastUpdated = tonumber(fl), events = tonumber(fe), applied = {} }, false, true
    end
  end
  local ok, v = pcall(cjson.decode, raw)
  if not ok or type(v) ~= 'table' then return nil, true end
  if (v.variant ~= 'default' and v.variant ~= 'pricing' and v.variant ~= 'video')
    or type(v.confidence) ~= 'number' or v.confidence < 0 or v.confidence > 1
    or type(v.lastUpdated) ~= 'number' then
    return nil, true
  end
  if type(v.applied) ~= 'table' then v.applied = {} end
  if type(v.events) ~= 'number' then v.events = 0 end
  local plain = true
  for k in pairs(v) do
    if k ~= 'variant' and k ~= 'confidence' and k ~= 'lastUpdated' and k ~= 'events' and k ~= 'applied' and k ~= 'lastCall' then plain = false end
  end
  return v, false, plain
end

-- Applied records are pruned only once a state holds more than this many:
-- most states never reach it, and a short list is cheaper to scan than to prune.
local PRUNE_ABOVE = 8

local function encode(s, plain)
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
  if #applied == 0 and plain and not s.lastCall then
    -- A state with only the four fields (every state in ack mode): formatted
    -- directly, in FAST_SHAPE, with the numbers as cjson writes them (%.14g).
    return string.format('{"variant":"%s","confidence":%.14g,"lastUpdated":%.14g,"events":%d}', s.variant, s.confidence, s.lastUpdated, s.events)
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

local statuses = {}
local ackError = nil

if S > 0 then
  -- The gate: XACK is a write Redis admits under OOM, and once a script has
  -- written Redis admits the rest. HSET is refused under OOM (and READONLY on
  -- a replica), here, before anything is written: the whole call is refused.
  redis.call('HSET', KEYS[1], 'updatedAt', nowMs)
end

-- XACK of one entry: 1 when this delivery was pending (apply it), 0 when it was
-- done elsewhere; 'g' (NOGROUP: group or stream gone) or 'e' (another error:
-- the entry stays pending) otherwise. Never raises: the gate has written.
local function ack(s, id)
  local r = redis.pcall('XACK', KEYS[2 + s], group, id)
  if type(r) == 'table' and r.err then
    if string.sub(r.err, 1, 7) == 'NOGROUP' then return 'g' end
    ackError = ackError or r.err
    return 'e'
  end
  return r
end

-- Ack mode, per stream: which of the call's entries are still pending for this
-- consumer (one XPENDING over their ID range), and one XACK of those. An entry
-- not pending for it was completed, or taken over with XAUTOCLAIM, by another
-- consumer, which applies it. Cheaper than an XACK per entry. The range may
-- also hold this consumer's dead entries (acked below, one by one).
local pendingHere = {}
if S > 0 and n > 0 then
  local first, last, want = {}, {}, {}
  for i = 1, n do
    local base = FIRST + 5 * (i - 1)
    local s = tonumber(ARGV[base])
    local id = ARGV[base + 1]
    if not first[s] then
      first[s] = id
      want[s] = {}
    end
    last[s] = id
    want[s][id] = true
  end
  for s, f in pairs(first) do
    local got = redis.pcall('XPENDING', KEYS[2 + s], group, f, last[s], n + m, consumer)
    if type(got) == 'table' and got.err then
      if string.sub(got.err, 1, 7) == 'NOGROUP' then
        pendingHere[s] = 'g'
      else
        ackError = ackError or got.err
        pendingHere[s] = 'e'
      end
    else
      local set = {}
      local acks = { 'XACK', KEYS[2 + s], group }
      for _, p in ipairs(got) do
        local id = p[1]
        if want[s][id] then
          set[id] = 1
          acks[#acks + 1] = id
        end
      end
      if #acks > 3 then
        local r = redis.pcall(unpack(acks))
        if type(r) == 'table' and r.err then
          ackError = ackError or r.err
          set = 'e'
        end
      end
      pendingHere[s] = set
    end
  end
end

local cache = {}
local order = {}
local states = {}
local appliedCount = 0

for i = 1, n do
  local base = FIRST + 5 * (i - 1)
  local s = tonumber(ARGV[base])
  local token = ARGV[base + 1]
  local key = KEYS[KEY0 + tonumber(ARGV[base + 2])]
  local eventType = ARGV[base + 3]
  local ts = tonumber(ARGV[base + 4])
  local c = cache[key]
  if not c then
    local st, corrupt, plain = load(key)
    c = { s = st, corrupt = corrupt, plain = plain or not st }
    if st then
      c.v0 = st.variant
      c.b0 = bucket(to_units(st.confidence))
    end
    cache[key] = c
    order[#order + 1] = key
  end
  local st = c.s
  local verdict = 1
  if s > 0 then
    local set = pendingHere[s]
    if type(set) == 'table' then verdict = set[token] or 0 else verdict = set end
  elseif token ~= '' and st and contains(st.applied, token) then
    verdict = 0
  end
  if verdict == 1 then
    local prevUnits = st and to_units(st.confidence) or 0
    local units = math.min(UNITS, prevUnits + (weights[eventType] or 0))
    local variant = st and st.variant or 'default'
    if units >= pricingAt then
      variant = 'pricing'
    elseif st and prevUnits < videoBelow and (ts - st.lastUpdated) > idleMs then
      -- idle measured against the PREVIOUS update (the seed's bug fixed), and
      -- the confidence before this event (see applyRules in ../rules.ts)
      variant = 'video'
    end
    local ns = st or { applied = {}, events = 0 }
    ns.variant = variant
    ns.confidence = units / UNITS
    ns.lastUpdated = st and math.max(st.lastUpdated, ts) or ts
    ns.events = ns.events + 1
    if s == 0 and token ~= '' then
      ns.applied[#ns.applied + 1] = token
      c.lastToken = token
      c.applied = (c.applied or 0) + 1
    end
    c.s = ns
    c.dirty = true
    appliedCount = appliedCount + 1
    if c.corrupt and not c.reported then
      statuses[i] = 'r'
      c.reported = true
    else
      statuses[i] = 'a'
    end
  elseif verdict == 0 then
    statuses[i] = 'd'
    if s == 0 and token ~= '' then
      c.done = c.done or {}
      c.done[#c.done + 1] = i
      c.doneTokens = c.doneTokens or {}
      c.doneTokens[token] = true
    end
  else
    statuses[i] = verdict
  end
  if returnStates then states[i] = c.s and encode(c.s, c.plain) or '' end
end

-- Dead letters: acked and copied to the dead-letter stream in the same step.
local deadCount = 0
local p = FIRST + 5 * n
for j = 1, m do
  local s = tonumber(ARGV[p])
  local id = ARGV[p + 1]
  local reason = ARGV[p + 2]
  local f = tonumber(ARGV[p + 3])
  local verdict = ack(s, id)
  if verdict == 1 then
    local entry = { 'XADD', KEYS[2], 'MAXLEN', '~', deadMaxLen, '*' }
    for k = p + 4, p + 3 + f do entry[#entry + 1] = ARGV[k] end
    entry[#entry + 1] = 'reason'
    entry[#entry + 1] = reason
    entry[#entry + 1] = 'sourceStream'
    entry[#entry + 1] = KEYS[2 + s]
    entry[#entry + 1] = 'sourceId'
    entry[#entry + 1] = id
    redis.pcall(unpack(entry))
    deadCount = deadCount + 1
    statuses[n + j] = 'x'
  elseif verdict == 0 then
    statuses[n + j] = 'd'
  else
    statuses[n + j] = verdict
  end
  p = p + 4 + f
end

local users = 0
local variantDelta = { default = 0, pricing = 0, video = 0 }
local histDelta = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
-- In ack mode the state keeps no records: an older version's list is dropped.
local keepRecords = S == 0
-- Recovery: the last call on a state was this consumer's lost one when its last
-- record is among this call's done entries. Its deltas: from the state before
-- it (lastCall) to the state it left (as loaded here).
local recovered = 0
if callId ~= '' then
  for _, key in ipairs(order) do
    local c = cache[key]
    local last = c.s and c.doneTokens and c.v0 and c.s.lastCall
    local token, count, v0, b0, by
    if type(last) == 'string' then token, count, v0, b0, by = string.match(last, '^(.-)|(%d+)|(%l*)|(%d*)|(.*)$') end
    if token and c.doneTokens[token] and recoverable[by] then
      recovered = recovered + tonumber(count)
      if v0 == '' then
        users = users + 1
      else
        variantDelta[v0] = (variantDelta[v0] or 0) - 1
        histDelta[tonumber(b0) + 1] = histDelta[tonumber(b0) + 1] - 1
      end
      variantDelta[c.v0] = variantDelta[c.v0] + 1
      histDelta[c.b0 + 1] = histDelta[c.b0 + 1] + 1
      for _, i in ipairs(c.done) do statuses[i] = 'p' end
      -- Once: a second recovery finds no lastCall.
      c.s.lastCall = nil
      c.rewrite = true
    end
  end
end
for _, key in ipairs(order) do
  local c = cache[key]
  if c.dirty and c.lastToken and callId ~= '' then
    -- Record mode: what this call did to the state, for a recovery if its reply is lost.
    c.s.lastCall = c.lastToken .. '|' .. c.applied .. '|' .. (c.v0 or '') .. '|' .. (c.v0 and c.b0 or '') .. '|' .. callId
  end
  if c.rewrite and not c.dirty then
    redis.call('SET', key, encode(c.s, c.plain), 'EX', ttl)
  end
  if c.dirty then
    if not keepRecords then c.s.applied = {} end
    -- In ack mode the gate has written, so Redis admits this SET; in record
    -- mode the first SET is the first write and raises under OOM (nothing written).
    redis.call('SET', key, encode(c.s, c.plain), 'EX', ttl)
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
    if updateCounters then redis.pcall('HINCRBY', KEYS[1], field, tostring(d)) end
  end
end
emit('events', appliedCount + recovered)
emit('users', users)
emit('variant:default', variantDelta.default)
emit('variant:pricing', variantDelta.pricing)
emit('variant:video', variantDelta.video)
for b = 1, 10 do emit('hist:' .. (b - 1), histDelta[b]) end
emit('deadLettered', deadCount)
if updateCounters and S == 0 and appliedCount > 0 then redis.pcall('HSET', KEYS[1], 'updatedAt', nowMs) end

local reply = { table.concat(statuses), flat, ackError or '' }
if returnStates then
  for i = 1, n do reply[#reply + 1] = states[i] end
end
return reply
