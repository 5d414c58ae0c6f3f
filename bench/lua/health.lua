-- GET /health: a constant JSON body from an async route, the ceiling of the stack.
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "common.lua")

request = function()
  return wrk.format("GET", "/health")
end
