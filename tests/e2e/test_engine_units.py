"""The engine's parts on their own: faces, grouping, tag order, the sheet, the worker's auth, jobs."""

from __future__ import annotations

import io
import json
import threading
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from common.gcp.config import settings
from common.records import utcnow


@pytest.fixture(scope="module")
def engine(stack):  # the models read the same settings as the service
    from gpu_service.vision import faces, runtime

    runtime.models()
    return faces


def test_loading_the_models_leaves_pillow_alone(engine) -> None:
    from PIL import UnidentifiedImageError

    from gpu_service.vision import imaging

    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(b"plain text, not an image"))
    with pytest.raises(imaging.UnreadableImage):
        imaging.decode(b"plain text, not an image")


def bgr(path: Path) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(Image.open(path).convert("RGB"))[:, :, ::-1])


def test_a_close_up_that_fills_the_frame_is_still_found(engine, photos: Path) -> None:
    image = bgr(photos / "obama.jpg")
    (face,) = engine.detect(image)
    x1, y1, x2, y2 = face.bbox
    close_up = np.ascontiguousarray(image[y1:y2, x1:x2])  # nothing but the face
    assert engine._detect_once(close_up, pad=0.0, size=640) == []  # the plain pass misses it
    (found,) = engine.detect(close_up)
    h, w = close_up.shape[:2]
    fx1, fy1, fx2, fy2 = found.bbox
    assert (fx2 - fx1) * (fy2 - fy1) > 0.5 * w * h  # the face is most of the picture
    same = engine.embed(close_up, [found]) @ engine.embed(image, [face]).T
    assert same[0, 0] > 0.5  # and it is recognisably the same person


def test_batched_embeddings_equal_one_by_one_and_are_unit_length(engine, stack) -> None:
    from devstack.testdata import ultralytics_photos

    image = bgr(ultralytics_photos() / "bus.jpg")
    found = engine.detect(image)
    assert len(found) >= 2
    batched, single = engine.embed(image, found), engine.embed_one_by_one(image, found)
    assert batched.shape == (len(found), 512)
    assert np.allclose(batched, single, atol=1e-4)
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)


def test_same_person_groups_and_different_people_do_not(engine, photos: Path) -> None:
    from gpu_service.vision import clustering

    names = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"]
    vectors, scores = [], []
    for name in names:
        image = bgr(photos / name)
        (face,) = engine.detect(image)
        vectors.append(engine.embed(image, [face])[0])
        scores.append(face.score)
    primary_of = clustering.group(np.stack(vectors), scores, 0.5)
    assert primary_of[0] == primary_of[1] == primary_of[2] != primary_of[3]
    assert primary_of[3] == 3
    # Incrementally: Biden joins no group of Obama's faces; a fourth Obama photo would.
    known = [clustering.Face(str(i), vectors[i], scores[i], str(i)) for i in range(3)]
    obama = clustering.cluster(known, 0.5)
    joined = clustering.cluster([clustering.Face("biden", vectors[3], scores[3], "b")], 0.5, groups=obama)
    assert sorted(sorted(g.members) for g in joined) == [["0", "1", "2"], ["biden"]]


# ---------------------------------------------------------------- the worker's caller check (production mode)
SERVICE_ACCOUNT = "tasks@demo-vidpipe.iam.gserviceaccount.com"
WORKER_URL = "https://gpu-worker-abc-uc.a.run.app/tasks"


@pytest.fixture(scope="module")
def google_like_issuer():
    """An OIDC issuer on loopback: a signing key and its certificate at a certs URL."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from google.auth import crypt
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    from devstack.emulators import free_port

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "issuer")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(utcnow() - timedelta(days=1))
        .not_valid_after(utcnow() + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    certs = {"k1": cert.public_bytes(serialization.Encoding.PEM).decode()}
    app = Request.application(lambda _request: Response(json.dumps(certs), mimetype="application/json"))
    port = free_port()
    server = make_server("127.0.0.1", port, app)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    yield crypt.RSASigner.from_string(pem.decode(), "k1"), f"http://127.0.0.1:{port}/certs"
    server.shutdown()


def _request(token: str | None):
    from werkzeug.test import EnvironBuilder

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return EnvironBuilder(method="POST", path="/tasks", headers=headers).get_request()


def test_production_accepts_only_the_tasks_service_accounts_token(google_like_issuer, monkeypatch) -> None:
    from google.auth import jwt

    from gpu_service import auth

    signer, certs_url = google_like_issuer
    production = settings().model_copy(
        update={
            "local_task_secret": None,
            "tasks_service_account": SERVICE_ACCOUNT,
            "worker_url": WORKER_URL,
            "oidc_certs_url": certs_url,
        }
    )
    monkeypatch.setattr(auth, "settings", lambda: production)
    now = int(time.time())
    good = {
        "iss": "https://accounts.google.com",
        "aud": "https://gpu-worker-abc-uc.a.run.app",
        "sub": "1",
        "email": SERVICE_ACCOUNT,
        "email_verified": True,
        "iat": now,
        "exp": now + 600,
    }

    def token(**changes: object) -> str:
        return jwt.encode(signer, {**good, **changes}).decode()

    auth.verify(_request(token()), SERVICE_ACCOUNT)
    api = "api@demo-vidpipe.iam.gserviceaccount.com"
    auth.verify(_request(token(email=api)), api)  # the api, asking to embed a face
    with pytest.raises(auth.Rejected):
        auth.verify(_request(token(email=api)), SERVICE_ACCOUNT)  # but it cannot hand out tasks
    with pytest.raises(auth.Rejected):
        auth.verify(_request(token()), None)  # an unconfigured caller: nobody
    for bad in (
        None,
        token(email="someone@demo-vidpipe.iam.gserviceaccount.com"),
        token(aud="https://another-service.a.run.app"),
        token(iat=now - 7200, exp=now - 3600),
        token(iss="https://evil.example"),
        token(email_verified=False),
        token()[:-4] + "AAAA",  # signature broken
    ):
        with pytest.raises(auth.Rejected):
            auth.verify(_request(bad), SERVICE_ACCOUNT)


# ---------------------------------------------------------------- jobs: the queue's last attempt
def test_the_last_attempt_records_the_error_instead_of_retrying(alice, photos: Path, monkeypatch) -> None:
    from common.ids import new_id
    from common.jobs import lifecycle
    from common.jobs.models import ManifestJob
    from gpu_service import delivery as jobs
    from tests.support.engine import hold_lease, manifest_of_photos

    manifest = manifest_of_photos(alice, [("Biden", photos / "biden.jpg")])
    now = utcnow()
    job = ManifestJob(id=new_id(), owner_id=alice.uid, manifest_id=manifest["id"], created_at=now)
    lifecycle.job_ref(job.id).create(job.model_dump(exclude={"id"}))
    hold_lease(manifest["id"], job.id, expires_in=timedelta(minutes=5))

    def broken(_job: ManifestJob) -> None:
        raise RuntimeError("GPU fell off the bus")

    monkeypatch.setattr(jobs, "run_manifest", broken)
    with pytest.raises(RuntimeError):
        jobs.handle(job.id, last_attempt=False)  # not yet: let Cloud Tasks retry
    assert jobs.handle(job.id, last_attempt=True) == "failed"
    progress = alice.get(f"/api/manifests/{manifest['id']}/progress").json()
    assert progress["status"] == "ERROR" and "GPU fell off the bus" in progress["error"]
    assert alice.get(f"/api/jobs/{job.id}").json()["status"] == "ERROR"
    assert jobs.handle(job.id, last_attempt=True) == "already error"
