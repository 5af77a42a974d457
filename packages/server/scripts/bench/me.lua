-- GET /auth/me/ with one access token (env ACCESS) as Bearer.
local common = require "common"
wrk.method = "GET"
wrk.path = "/auth/me/"
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("ACCESS"), "ACCESS not set")
done = common.done(os.getenv("RESULT_NAME") or "me")
