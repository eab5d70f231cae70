"""Read latency on the emulator, the way a deployment pays for it.

A deployment has no key file: before issue 14 every image URL was a V4 URL signed through the IAM
signBlob API, one network call per URL. Now reads sign one Cloud CDN URL prefix per record folder
with an HMAC key (common/gcp/cdn.py). This bench runs the service without a key file, with the IAM
API answered on loopback after IAM_LATENCY_MS (40) so any per-URL call would show (and is counted),
and prints, from one run:

- GET /api/manifests/{id} with 1,000 assets: warm p50/p95, and the floor beside it: the same
  Firestore query alone (same client, same process, documents decoded to dicts);
- the first read of another 1,000-asset manifest whose images were never served (cold), / warm;
- a fresh function process (import, clients, query): spawn to first answer of GET /manifests/{id};
- the alternative it replaced, side by side: V4 URLs signed through IAM on loopback, per URL;
- GET /api/manifests?limit=50|100 with 500 manifests owned, and Firestore RPCs per request.
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import requests
from werkzeug.serving import make_server

# The repository (bench/sizes.py says why after PYTHONPATH's trees), so that `bench.x` imports.
sys.path.insert(
    1 + len([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
    str(Path(__file__).resolve().parent.parent),
)

from bench.sizes import size
from devstack.emulators import Stack, free_port
from devstack.tokens import emulator_token

ASSETS = int(os.environ.get("BENCH_ASSETS", str(size(1000, 20))))
MANIFESTS = size(500, 10)
IAM_LATENCY_MS = float(os.environ.get("IAM_LATENCY_MS", "40"))
V4_SAMPLE = size(50, 2)  # V4 URLs signed through IAM for the side-by-side (each costs IAM_LATENCY_MS)
FRESH_RUNS = size(5, 1)
REPEAT = size(30, 2)
OWNER = "bench-owner"
ROOT = Path(__file__).resolve().parent.parent

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


def seed_manifest(name: str, assets: int) -> tuple[str, list]:
    from common.gcp import db
    from common.ids import new_id
    from common.library.assets import to_doc as asset_doc
    from common.library.manifests import to_doc as manifest_doc
    from common.library.models import Asset, AssetType, Category, Manifest
    from common.records import utcnow

    now = utcnow()
    manifest = Manifest(
        id=new_id(),
        owner_id=OWNER,
        name=name,
        category=Category.MIXED if assets else Category.CHARACTERS,
        created_at=now,
        updated_at=now,
        asset_count=assets,
    )
    writes = [(db.collection(db.MANIFESTS).document(manifest.id), manifest_doc(manifest))]
    for i in range(assets):
        a = Asset(
            id=new_id(),
            owner_id=OWNER,
            manifest_id=manifest.id,
            name=f"asset {i}",
            asset_type=AssetType.CHARACTER,
            manifest_tag=f"CHAR_{i + 1:02d}",
            sort_order=i,
            image_path=f"manifests/{manifest.id}/uploads/{i}.jpg",
            thumbnail_path=f"manifests/{manifest.id}/uploads/{i}_thumb.jpg",
            created_at=now,
            updated_at=now,
        )
        writes.append((db.collection(db.ASSETS).document(a.id), asset_doc(a)))
    return manifest.id, writes


def seed() -> tuple[str, str]:
    from common.gcp import db

    warm_id, writes = seed_manifest("big", ASSETS)
    cold_id, more = seed_manifest("big, never read", ASSETS)
    writes += more
    for i in range(MANIFESTS - 2):
        writes += seed_manifest(f"m{i:03d}", 0)[1]
    db.set_all(writes)
    return warm_id, cold_id


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times) * 1000, times[int(len(times) * 0.95) - 1] * 1000


def timed(session: requests.Session, url: str) -> tuple[float, dict[str, int]]:
    calls.clear()
    t0 = time.perf_counter()
    r = session.get(url, timeout=300)
    elapsed = time.perf_counter() - t0
    assert r.status_code == 200, r.text
    return elapsed, dict(calls)


def floors(manifest_id: str) -> tuple[list[float], list[float]]:
    """Two floors for the same query, timed in turn: the client library's way (`stream()` and
    `to_dict()`, which the endpoint used before issue 14) and the wire alone (the RunQuery stream
    received through the client's transport, nothing decoded)."""
    from common.gcp import db
    from common.library import assets

    query = assets.in_display_order(manifest_id)
    client = db.client()
    parent, _ = query._parent._parent_info()
    library, wire = [], []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        docs = [s.to_dict() for s in query.stream()]
        library.append(time.perf_counter() - t0)
        assert len(docs) == ASSETS
        t0 = time.perf_counter()
        request = {"parent": parent, "structured_query": query._to_protobuf()}
        responses = list(client._firestore_api.run_query(request=request, metadata=client._rpc_metadata))
        wire.append(time.perf_counter() - t0)
        assert len(responses) >= ASSETS
    return library, wire


FRESH = r"""
import sys
from functions_framework import create_app
from werkzeug.test import Client

app = create_app("api", "functions/main.py", "http")
answer = Client(app).get(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
assert answer.status_code == 200, answer.get_data()
print(len(answer.get_json()["assets"]), flush=True)
"""


def fresh_process(manifest_id: str, env: dict[str, str]) -> float:
    """Spawn to first answer: a new interpreter imports the function, makes its clients, queries."""
    t0 = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", FRESH, f"/api/manifests/{manifest_id}", emulator_token(OWNER)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = time.perf_counter() - t0
    child.wait(timeout=60)
    assert line.strip() == str(ASSETS), line
    return elapsed


class LoopbackIam:
    """The IAM signBlob API on loopback: waits IAM_LATENCY_MS, signs with the local throwaway key,
    counts calls. Installed so that any per-URL signing on a read would be paid and seen."""

    def __init__(self, key_file: Path) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from werkzeug.wrappers import Request, Response

        self.key = json.loads(key_file.read_text())
        private = serialization.load_pem_private_key(self.key["private_key"].encode(), password=None)
        assert isinstance(private, rsa.RSAPrivateKey)  # a service account key is RSA
        self.calls = 0

        @Request.application
        def iam(request: Request) -> Response:  # POST /v1/projects/-/serviceAccounts/{email}:signBlob
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.asymmetric import padding

            time.sleep(IAM_LATENCY_MS / 1000)
            payload = base64.b64decode(json.loads(request.get_data())["payload"])
            blob = private.sign(payload, padding.PKCS1v15(), hashes.SHA256())
            self.calls += 1
            body = {"keyId": self.key["private_key_id"], "signedBlob": base64.b64encode(blob).decode()}
            return Response(json.dumps(body), mimetype="application/json")

        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, iam, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def install(self) -> None:
        """Route google-auth's signBlob calls here and give the process Cloud Run's identity."""
        import google.auth
        from google.auth import credentials
        from google.cloud.storage import _signing

        email = self.key["client_email"]

        class Runtime(credentials.Credentials):  # the runtime's identity on Cloud Run: a token, an email
            service_account_email = email

            def refresh(self, request: object) -> None:
                self.token = "runtime-token"

        transport = _signing.requests.Request
        port = self.port

        class Loopback:
            def __init__(self, *args: object, **kwargs: object) -> None:
                self.inner = transport(*args, **kwargs)

            def __call__(self, url: str, **kwargs: object) -> object:
                local = url.replace("https://iamcredentials.googleapis.com", f"http://127.0.0.1:{port}")
                return self.inner(url=local, **kwargs)

        google.auth.default = lambda *a, **k: (Runtime(), "demo-vidpipe")
        _signing.requests.Request = Loopback

    def v4_per_url_s(self, paths: list[str]) -> float:
        """What the replaced scheme paid: one V4 GET URL signed key-less (IAM) per path."""
        from common.gcp import storage

        t0 = time.perf_counter()
        for path in paths:
            storage._sign(path, method="GET", ttl=timedelta(hours=12), bucket_name=None)
        return (time.perf_counter() - t0) / len(paths)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(state_dir=Path(tmp))
        stack.start()
        try:
            # Production's configuration: no key file in the runtime.
            env = {k: v for k, v in stack.env().items() if k != "SIGNING_KEY_FILE"}
            os.environ.update(env)
            iam = LoopbackIam(stack.signing_key_file)
            iam.install()
            count_firestore_reads()
            from devstack.app import build

            warm_id, cold_id = seed()
            port = free_port()
            server = make_server("127.0.0.1", port, build(stack), threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {emulator_token(OWNER)}"
            base = f"http://127.0.0.1:{port}/api"
            body = session.get(f"{base}/manifests/{warm_id}", timeout=300).json()
            assert len(body["assets"]) == ASSETS
            images = requests.get(body["assets"][0]["reference_image_url"], timeout=10)
            assert images.status_code == 404  # signed and routed; the bench seeds no image bytes

            library, wire = floors(warm_id)
            warm = [timed(session, f"{base}/manifests/{warm_id}") for _ in range(REPEAT)]
            cold, cold_reads = timed(session, f"{base}/manifests/{cold_id}")
            fresh = sorted(fresh_process(warm_id, {**os.environ, **env}) for _ in range(FRESH_RUNS))
            wire50, wire95 = percentiles(wire)
            library50, library95 = percentiles(library)
            warm50, warm95 = percentiles([t for t, _ in warm])
            print(
                f"GET /manifests/{{id}} ({ASSETS} assets, 2 image URLs each): warm p50 {warm50:.0f} ms, "
                f"p95 {warm95:.0f} ms; Firestore per request: {warm[-1][1]}"
            )
            print(
                f"  floor, the query on the wire alone (nothing decoded): p50 {wire50:.0f} ms, "
                f"p95 {wire95:.0f} ms; warm / wire x{warm50 / wire50:.2f}"
            )
            print(
                f"  floor, the query through the client library (stream + to_dict): p50 {library50:.0f} ms, "
                f"p95 {library95:.0f} ms; warm / library x{warm50 / library50:.2f} (goal <= 1.5)"
            )
            print(
                f"  cold (first read of another {ASSETS}-asset manifest): {cold * 1000:.0f} ms; "
                f"cold / warm x{cold * 1000 / warm50:.2f} (goal <= 1.2); Firestore: {cold_reads}"
            )
            print(
                f"  fresh function process, spawn to first answer: median {statistics.median(fresh):.2f} s, "
                f"max {fresh[-1]:.2f} s over {FRESH_RUNS} (goal <= 1.0 s)"
            )
            print(f"  IAM signBlob calls made by all the reads above: {iam.calls} (was 2 per asset)")
            before = iam.calls
            per_url = iam.v4_per_url_s([f"manifests/{warm_id}/uploads/{i}.jpg" for i in range(V4_SAMPLE)])
            assert iam.calls - before == V4_SAMPLE
            print(
                f"  replaced scheme, side by side: V4 URL signed through IAM {per_url * 1000:.1f} ms per URL "
                f"(IAM on loopback at {IAM_LATENCY_MS:.0f} ms), so {2 * ASSETS} URLs = "
                f"{2 * ASSETS * per_url:.1f} s on a cold instance; now 1 HMAC per folder"
            )
            for limit in (50, 100):
                times, reads = [], {}
                for _ in range(REPEAT):
                    elapsed, reads = timed(session, f"{base}/manifests?limit={limit}")
                    times.append(elapsed)
                p50, p95 = percentiles(times)
                print(
                    f"GET /manifests?limit={limit} ({MANIFESTS} manifests owned): p50 {p50:.0f} ms, "
                    f"p95 {p95:.0f} ms; Firestore per request: {reads}"
                )
            server.shutdown()
            iam.server.shutdown()
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
