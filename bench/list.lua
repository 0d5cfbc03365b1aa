-- The person list of a street administrator, read the way a person reads it: each reader (connection) starts
-- at the first page and follows the page's "下一页" link — `/persons?page=N&after=ID`, the next page by id
-- (keyset) — until page 199, then starts again. Against builds whose link is `?page=N` (OFFSET) it follows
-- those instead, so both read the same pages 0…199.
local pending = {}
function request()
  return wrk.format("GET", table.remove(pending) or "/persons")
end
function response(status, headers, body)
  local next = body:match('href="([^"]+)">下一页')
  if next and tonumber(next:match("page=(%d+)")) < 200 then
    table.insert(pending, next)
  end
end
