"""Firebase Auth emulator-style ID tokens (unsigned) for local use and tests.

firebase-admin accepts these only while FIREBASE_AUTH_EMULATOR_HOST is set.
Usage: python -m devstack.tokens [UID] [--pipeline]
"""

from __future__ import annotations

import base64
import json
import sys
import time


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def emulator_token(
    uid: str, project_id: str = "demo-vidpipe", ttl_s: int = 3600, extra: dict[str, object] | None = None
) -> str:
    """An unsigned ID token; `extra` adds custom claims (e.g. {"role": "pipeline"})."""
    now = int(time.time())
    claims = {
        "iss": f"https://securetoken.google.com/{project_id}",
        "aud": project_id,
        "sub": uid,
        "user_id": uid,
        "iat": now,
        "auth_time": now,
        "exp": now + ttl_s,
        "firebase": {"sign_in_provider": "custom", "identities": {}},
        **(extra or {}),
    }
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


if __name__ == "__main__":
    # python -m devstack.tokens UID [--pipeline]: the second form carries the pipeline's role claim
    role: dict[str, object] | None = {"role": "pipeline"} if "--pipeline" in sys.argv[2:] else None
    print(emulator_token(sys.argv[1] if len(sys.argv) > 1 else "local-user", extra=role))
