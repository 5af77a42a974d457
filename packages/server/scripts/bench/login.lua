-- POST /auth/login/ cycling over the bench users (bench0..bench{BENCH_USERS-1}).
local common = require "common"
local users = tonumber(os.getenv("BENCH_USERS") or "100")
local password = os.getenv("BENCH_PASSWORD") or "bench-password"
local threads = 0
local counter = 0

function setup(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end

function init(args)
  -- Threads start at different users, so that no two hash the same account in lockstep.
  counter = (thread_no or 0) * 37
end

function request()
  local body = string.format('{"username":"bench%d","password":"%s"}', counter % users, password)
  counter = counter + 1
  return wrk.format("POST", "/auth/login/", { ["Content-Type"] = "application/json" }, body)
end

done = common.done(os.getenv("RESULT_NAME") or "login")
