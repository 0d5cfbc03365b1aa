-- The case list of a street administrator (all cases of the street, newest first), pages 1..200 in turn.
local n = 0
function request()
  n = n % 200 + 1
  return wrk.format("GET", "/cases?page=" .. n)
end
