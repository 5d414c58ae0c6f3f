-- GET /api/v1/timelines/home, rotating over many readers' tokens.
-- args: READERS_FILE MODE LIMIT
--   READERS_FILE: lines "token<TAB>deep_max_id<TAB>since_id"
--   MODE: first (first page), deep (max_id ~600 entries down the feed), since (since_id polling)
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "common.lua")

local readers, mode, limit, i = {}, "first", "20", 0

function init(args)
  readers = read_lines(args[1])
  mode = args[2] or "first"
  limit = args[3] or "20"
  i = math.random(#readers)
end

function request()
  i = i % #readers + 1
  local r = readers[i]
  local path = "/api/v1/timelines/home?limit=" .. limit
  if mode == "deep" then
    path = path .. "&max_id=" .. r[2]
  elseif mode == "since" then
    path = path .. "&since_id=" .. r[3]
  end
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. r[1] })
end
