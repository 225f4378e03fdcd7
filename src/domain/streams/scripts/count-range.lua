-- Counts the entries of a stream in an ID range without sending them to the
-- client (there is no XCOUNT). One call counts at most ARGV[3] entries, so the
-- server is never blocked long on a big stream: the caller calls again from
-- the returned position until it gets an empty one.
-- KEYS[1]  the stream
-- ARGV[1]  start: an ID, inclusive ("-" for the first entry), or "(<id>" exclusive
-- ARGV[2]  end: "+" for the last entry, or "(<id>" for up to <id> exclusive
-- ARGV[3]  the most entries this call counts (a multiple of 1000)
-- Returns { count, next }: next is "(<last id counted>" to continue from, or "" when the range is done.
local CHUNK = 1000
local budget = tonumber(ARGV[3])
local n = 0
local start = ARGV[1]
while n < budget do
  local entries = redis.call('XRANGE', KEYS[1], start, ARGV[2], 'COUNT', CHUNK)
  n = n + #entries
  if #entries < CHUNK then
    return { n, '' }
  end
  start = '(' .. entries[#entries][1]
end
return { n, start }
