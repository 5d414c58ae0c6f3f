-- The mixed load: 50 reads to 1 write. Reads are home first pages (limit 20) of readers
-- chosen at random; writes rotate over a new post (unique text), a favourite of a
-- member's post, and a follow of a member.
-- args: READERS_FILE POSTS_FILE ACCOUNTS_FILE
--   READERS_FILE: "token<TAB>deep_max_id<TAB>since_id"; POSTS_FILE / ACCOUNTS_FILE: one id a line
local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "common.lua")

local readers, posts, accounts = {}, {}, {}
local n, writes, nonce = 0, 0, ""

function init(args)
  readers = read_lines(args[1])
  posts = read_lines(args[2])
  accounts = read_lines(args[3])
  math.randomseed(os.time())
  nonce = tostring(math.random(1, 1000000000))
end

function request()
  n = n + 1
  local r = readers[math.random(#readers)]
  local auth = { ["Authorization"] = "Bearer " .. r[1] }
  if n % 51 ~= 0 then
    return wrk.format("GET", "/api/v1/timelines/home?limit=20", auth)
  end
  writes = writes + 1
  local w = writes % 3
  if w == 0 then
    auth["Content-Type"] = "application/json"
    local body = '{"status":"wrk mixed ' .. nonce .. ' ' .. n .. ': a post in the mixed load"}'
    return wrk.format("POST", "/api/v1/statuses", auth, body)
  elseif w == 1 then
    return wrk.format("POST", "/api/v1/statuses/" .. posts[math.random(#posts)][1] .. "/favourite", auth)
  else
    return wrk.format("POST", "/api/v1/accounts/" .. accounts[math.random(#accounts)][1] .. "/follow", auth)
  end
end
