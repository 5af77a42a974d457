-- POST /auth/token/refresh/ with one refresh token (env REFRESH), reused: rotation is off.
local common = require "common"
wrk.method = "POST"
wrk.path = "/auth/token/refresh/"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"refresh":"%s"}', assert(os.getenv("REFRESH"), "REFRESH not set"))
done = common.done(os.getenv("RESULT_NAME") or "refresh")
