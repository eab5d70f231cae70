"""Read latency on the emulator: GET /api/manifests/{id} with 1,000 assets, GET /api/manifests with 500.

Prints p50/p95 over repeated requests, the first (cold) request separately (signed URLs are made
then cached), and the Firestore RPCs and documents read per request, counted at the client's API
layer, to show there is no N+1 pattern.

Then the same read the way a deployment pays for it: no key file in the runtime, so the storage
client signs every URL through the IAM signBlob API, one network call per URL. Here that call goes
to a loopback stand-in that waits IAM_LATENCY_MS (40) and signs with the local throwaway key: the
code path is production's, the latency simulated (there is no IAM on these machines).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests
from werkzeug.serving import make_server

from devstack.emulators import Stack, free_port
from devstack.tokens import emulator_token

ASSETS = int(os.environ.get("BENCH_ASSETS", "1000"))
MANIFESTS = 500
IAM_LATENCY_MS = float(os.environ.get("IAM_LATENCY_MS", "40"))
REPEAT = 30
OWNER = "bench-owner"

calls: Counter[str] = Counter()


def count_firestore_reads() -> None:
    from google.cloud.firestore_v1.services.firestore.client import FirestoreClient

    for name, field in (("run_query", "document"), ("batch_get_documents", "found")):
        original = getattr(FirestoreClient, name)

        def wrapped(self, *args, _original=original, _name=name, _field=field, **kwargs):
            calls[f"{_name} rpc"] += 1
            for response in _original(self, *args, **kwargs):
                if _field in response:
                    calls["documents"] += 1
                yield response

        setattr(FirestoreClient, name, wrapped)


def seed() -> str:
    from common.gcp import db
    from common.library.assets import to_doc as asset_doc
    from common.library.manifests import to_doc as manifest_doc
    from common.library.models import Asset, AssetType, Category, Manifest
    from common.records import new_id, utcnow

    now = utcnow()
    big = Manifest(
        id=new_id(),
        owner_id=OWNER,
        name="big",
        category=Category.MIXED,
        created_at=now,
        updated_at=now,
        asset_count=ASSETS,
    )
    writes = [(db.collection(db.MANIFESTS).document(big.id), manifest_doc(big))]
    for i in range(ASSETS):
        a = Asset(
            id=new_id(),
            owner_id=OWNER,
            manifest_id=big.id,
            name=f"asset {i}",
            asset_type=AssetType.CHARACTER,
            manifest_tag=f"CHAR_{i + 1:02d}",
            sort_order=i,
            image_path=f"manifests/{big.id}/uploads/{i}.jpg",
            thumbnail_path=f"manifests/{big.id}/uploads/{i}_thumb.jpg",
            created_at=now,
            updated_at=now,
        )
        writes.append((db.collection(db.ASSETS).document(a.id), asset_doc(a)))
    for i in range(MANIFESTS - 1):
        m = Manifest(
            id=new_id(),
            owner_id=OWNER,
            name=f"m{i:03d}",
            category=Category.CHARACTERS,
            created_at=now,
            updated_at=now,
        )
        writes.append((db.collection(db.MANIFESTS).document(m.id), manifest_doc(m)))
    db.set_all(writes)
    return big.id


def measure(session: requests.Session, url: str) -> tuple[float, list[float], float]:
    calls.clear()
    t0 = time.perf_counter()
    assert session.get(url, timeout=120).status_code == 200
    cold = time.perf_counter() - t0
    reads = dict(calls)
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        r = session.get(url, timeout=120)
        times.append(time.perf_counter() - t0)
        assert r.status_code == 200
    return cold, sorted(times), reads


def report(label: str, cold: float, times: list[float], reads: dict, size: int) -> None:
    p50 = statistics.median(times) * 1000
    p95 = times[int(len(times) * 0.95) - 1] * 1000
    print(
        f"{label}: p50 {p50:.0f} ms, p95 {p95:.0f} ms, first (cold) {cold * 1000:.0f} ms, "
        f"{size} items; Firestore per request: {reads}"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(state_dir=Path(tmp))
        stack.start()
        try:
            os.environ.update(stack.env())
            count_firestore_reads()
            from devstack.app import build

            big_id = seed()
            port = free_port()
            server = make_server("127.0.0.1", port, build(stack), threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {emulator_token(OWNER)}"
            base = f"http://127.0.0.1:{port}/api"
            body = session.get(f"{base}/manifests/{big_id}", timeout=120).json()
            assert len(body["assets"]) == ASSETS
            assert body["assets"][0]["thumbnail_url"]
            # The warm-up above signed every URL; measure a cold one on a fresh cache below.
            from common.gcp import storage

            storage._url_cache._entries.clear()
            report(
                f"GET /manifests/{{id}} ({ASSETS} assets, 2 signed URLs each)",
                *measure(session, f"{base}/manifests/{big_id}"),
                ASSETS,
            )
            production_signing(session, f"{base}/manifests/{big_id}", Path(stack.env()["SIGNING_KEY_FILE"]))
            for limit in (50, 100):
                report(
                    f"GET /manifests?limit={limit} ({MANIFESTS} manifests owned)",
                    *measure(session, f"{base}/manifests?limit={limit}"),
                    limit,
                )
            server.shutdown()
        finally:
            stack.stop()


def production_signing(session: requests.Session, url: str, key_file: Path) -> None:
    """The read with URLs signed through a (simulated) IAM signBlob call each, as deployed."""
    import base64
    import json

    import google.auth
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from google.auth import credentials
    from google.cloud.storage import _signing
    from werkzeug.wrappers import Request, Response

    from common.gcp import storage

    key = json.loads(key_file.read_text())
    private = serialization.load_pem_private_key(key["private_key"].encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)  # a service account key is RSA
    signed = []

    @Request.application
    def iam(request: Request) -> Response:  # POST /v1/projects/-/serviceAccounts/{email}:signBlob
        time.sleep(IAM_LATENCY_MS / 1000)
        payload = base64.b64decode(json.loads(request.get_data())["payload"])
        blob = private.sign(payload, padding.PKCS1v15(), hashes.SHA256())
        signed.append(1)
        body = {"keyId": key["private_key_id"], "signedBlob": base64.b64encode(blob).decode()}
        return Response(json.dumps(body), mimetype="application/json")

    iam_port = free_port()
    iam_server = make_server("127.0.0.1", iam_port, iam, threaded=True)
    threading.Thread(target=iam_server.serve_forever, daemon=True).start()

    class Runtime(credentials.Credentials):  # the runtime's identity on Cloud Run: a token, an email
        service_account_email = key["client_email"]

        def refresh(self, request: object) -> None:
            self.token = "runtime-token"

    transport = _signing.requests.Request

    class Loopback:  # the signBlob endpoint, moved to loopback
        def __init__(self) -> None:
            self.inner = transport()

        def __call__(self, url: str, **kwargs: object) -> object:
            local = url.replace("https://iamcredentials.googleapis.com", f"http://127.0.0.1:{iam_port}")
            return self.inner(url=local, **kwargs)

    saved = (storage._signing_credentials, google.auth.default, _signing.requests.Request)
    storage._signing_credentials = lambda: None  # no key file: production's path
    google.auth.default = lambda *a, **k: (Runtime(), "demo-vidpipe")
    _signing.requests.Request = Loopback
    try:
        storage._url_cache._entries.clear()
        report(
            f"  … production signing (IAM signBlob per URL, {IAM_LATENCY_MS:.0f} ms on loopback)",
            *measure(session, url),
            ASSETS,
        )
        print(f"  … IAM signBlob calls made: {len(signed)} ({len(signed) / ASSETS:.1f} per asset)")
    finally:
        storage._signing_credentials, google.auth.default, _signing.requests.Request = saved
        iam_server.shutdown()


if __name__ == "__main__":
    main()
