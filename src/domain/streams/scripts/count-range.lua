-- Counts the entries of a stream in an ID range without sending them to the
-- client (there is no XCOUNT). Reads in chunks so the script never holds more
-- than CHUNK entries at once.
-- KEYS[1]  the stream
-- ARGV[1]  start ID, inclusive ("-" for the first entry)
-- ARGV[2]  end ID: "+" for the last entry, or "(<id>" for up to <id> exclusive
-- Returns the number of entries in the range.
local CHUNK = 1000
local n = 0
local start = ARGV[1]
while true do
  local entries = redis.call('XRANGE', KEYS[1], start, ARGV[2], 'COUNT', CHUNK)
  n = n + #entries
  if #entries < CHUNK then
    return n
  end
  start = '(' .. entries[#entries][1]
end
