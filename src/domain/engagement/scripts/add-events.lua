-- add-events.lua: adds a batch of engagement events to one day stream, one
-- XADD ... MAXLEN ~ <maxLen> * per event, in one call. A batch is one command
-- instead of hundreds, which is most of the client's cost of ingesting. Redis
-- checks maxmemory at the script's first write: under OOM the call fails before
-- adding anything, so a refused batch can simply be retried whole.
--
-- KEYS[1]        the day stream (stream:engagement:<YYYY-MM-DD>)
-- ARGV[1]        maxLen for MAXLEN ~
-- ARGV[2]        number of field/value strings per event (8)
-- ARGV[3..]      the field/value pairs of each event, one event after another
--
-- Returns the entry IDs, in order.
local per = tonumber(ARGV[2])
local ids = {}
for i = 3, #ARGV, per do
  ids[#ids + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, i, i + per - 1))
end
return ids
