-- The person list page of a street administrator, pages 0..199 in turn.
local n = 0
function request()
  n = (n + 1) % 200
  return wrk.format("GET", "/persons?page=" .. n)
end
