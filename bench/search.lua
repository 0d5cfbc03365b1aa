-- Rotates through search queries (one per line in the file given after --): initials, ID fragments, phone tails,
-- names and addresses taken from the database by queries.py.
local queries = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do queries[#queries + 1] = line end
end
function request()
  i = i % #queries + 1
  return wrk.format("GET", "/api/persons?q=" .. queries[i])
end
