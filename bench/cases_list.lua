-- The case list of a street administrator (all cases of the street, newest first), read the way a person
-- reads it: each reader (connection) starts at page 1 and follows the page's "下一页" link — `…&page=N&after=ID`,
-- the next page by id (keyset) — until page 200, then starts again. Against builds whose link is `…&page=N`
-- (OFFSET) it follows those instead, so both read the same pages 1…200.
-- The link is found with plain string searches from its rel="next" marker: wrk runs on the same two cores as
-- the server, and a Lua pattern tried at every position of the 25 KB page cost it a quarter of the machine.
local pending = {}
function request()
  return wrk.format("GET", table.remove(pending) or "/cases")
end
function response(status, headers, body)
  local _, e = body:find('rel="next" href="', 1, true)
  if not e then return end
  local stop = body:find('"', e + 1, true)
  local next = body:sub(e + 1, stop - 1)
  if tonumber(next:match("page=(%d+)")) <= 200 then
    table.insert(pending, next)
  end
end
