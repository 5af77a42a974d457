-- POST /auth/token/verify/ with one access token (env ACCESS).
local common = require "common"
wrk.method = "POST"
wrk.path = "/auth/token/verify/"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"token":"%s"}', assert(os.getenv("ACCESS"), "ACCESS not set"))
done = common.done(os.getenv("RESULT_NAME") or "verify")
