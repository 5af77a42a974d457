# PyJWT (Debian's python3-jwt) as a consumer service would use it: the JWKS, our issuer and
# audience, ES256 only. Reads {"jwks", "issuer", "audience", "tokens": [..]} on stdin and
# prints, per token, "accepted" or the name of the exception PyJWT raised.
import json
import sys

import jwt

request = json.load(sys.stdin)
keys = {k["kid"]: jwt.PyJWK(k) for k in request["jwks"]["keys"]}
results = []
for token in request["tokens"]:
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in keys:
            raise jwt.InvalidKeyError("unknown kid")
        jwt.decode(
            token,
            keys[kid].key,
            algorithms=["ES256"],
            issuer=request["issuer"],
            audience=request["audience"],
            leeway=5,
        )
        results.append("accepted")
    except Exception as err:  # every refusal is an answer here, whatever its class
        results.append(type(err).__name__)
print(json.dumps(results))
