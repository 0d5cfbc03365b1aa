-- The case list of a street administrator (all cases of the street, newest first), read the way a person
-- reads it: each reader (connection) starts at page 1 and follows the page's "下一页" link — `…&page=N&after=ID`,
-- the next page by id (keyset) — until page 200, then starts again. Against builds whose link is `…&page=N`
-- (OFFSET) it follows those instead, so both read the same pages 1…200.
local pending = {}
function request()
  return wrk.format("GET", table.remove(pending) or "/cases")
end
function response(status, headers, body)
  local next = body:match('href="([^"]+)">下一页')
  if next and tonumber(next:match("page=(%d+)")) <= 200 then
    table.insert(pending, next)
  end
end
