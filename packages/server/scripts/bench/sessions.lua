-- GET /auth/sessions/ with one access token (env ACCESS) as Bearer.
local common = require "common"
wrk.method = "GET"
wrk.path = "/auth/sessions/"
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("ACCESS"), "ACCESS not set")
done = common.done(os.getenv("RESULT_NAME") or "sessions")
