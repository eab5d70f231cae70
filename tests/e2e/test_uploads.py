"""Reference images: multipart uploads, signed direct uploads through the finalize trigger, bad files."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
import requests
from google.cloud import firestore, storage
from PIL import Image

from common.gcp.storage import bucket
from devstack.app import EVENTS_PATH
from tests.support.api import Api, jpeg, wait_for
from tests.support.images import oriented_jpeg, png_bomb


def stored(asset_id: str) -> dict:
    return firestore.Client().collection("assets").document(asset_id).get().to_dict()


def image_at(url: str) -> Image.Image:
    r = requests.get(url, timeout=10)
    assert r.status_code == 200
    return Image.open(io.BytesIO(r.content))


@pytest.fixture
def asset(alice: Api) -> dict:
    m = alice.manifest()
    return alice.asset(m["id"], "Hero")


def test_real_photo_upload_stores_image_and_thumbnail(alice: Api, asset: dict, photos: Path) -> None:
    data = (photos / "obama.jpg").read_bytes()
    r = alice.upload(asset["id"], data, "obama.jpg")
    assert r.status_code == 200, r.text
    body = r.json()
    original = Image.open(io.BytesIO(data))
    assert (body["image_width"], body["image_height"]) == original.size
    assert body["image_content_type"] == "image/jpeg"
    assert (
        requests.get(body["reference_image_url"], timeout=10).content == data
    )  # upright already: kept as sent
    thumb = image_at(body["thumbnail_url"])
    assert max(thumb.size) == 512
    assert thumb.format == "JPEG"
    doc = stored(asset["id"])
    assert doc["image_path"] == f"manifests/{asset['manifest_id']}/uploads/{asset['id']}_obama.jpg"
    assert doc["thumbnail_path"] == f"manifests/{asset['manifest_id']}/uploads/{asset['id']}_obama_thumb.jpg"
    assert alice.get(f"/api/manifests/{asset['manifest_id']}").json()["version"] == 3
    fetched = alice.get(f"/api/assets/{asset['id']}").json()
    assert requests.get(fetched["reference_image_url"], timeout=10).content == data


def test_exif_orientation_is_applied(alice: Api, asset: dict) -> None:
    r = alice.upload(asset["id"], oriented_jpeg(400, 200, orientation=6), "sideways.jpg")
    assert r.status_code == 200
    assert (r.json()["image_width"], r.json()["image_height"]) == (200, 400)
    upright = image_at(r.json()["reference_image_url"])
    assert upright.size == (200, 400)
    assert upright.getexif().get(0x0112, 1) == 1
    red_top = upright.convert("RGB").getpixel((100, 20))
    assert red_top[0] > 150
    assert red_top[1] < 80
    assert image_at(r.json()["thumbnail_url"]).size == (200, 400)


def test_png_and_webp_are_judged_by_content_not_name(alice: Api, asset: dict) -> None:
    out = io.BytesIO()
    Image.new("RGBA", (300, 300), (0, 128, 0, 128)).save(out, format="PNG")
    r = alice.upload(asset["id"], out.getvalue(), "really-a-png.jpg")
    assert r.status_code == 200
    assert r.json()["image_content_type"] == "image/png"
    assert stored(asset["id"])["image_path"].endswith("_really-a-png.png")
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "navy").save(out, format="WEBP")
    r = alice.upload(asset["id"], out.getvalue(), "pic")
    assert r.status_code == 200
    assert r.json()["image_content_type"] == "image/webp"


def test_replacing_the_image_removes_the_old_objects(alice: Api, asset: dict) -> None:
    alice.upload(asset["id"], jpeg(), "first.jpg")
    first = stored(asset["id"])
    alice.upload(asset["id"], jpeg(color="red"), "second.jpg")
    assert bucket().get_blob(first["image_path"]) is None
    assert bucket().get_blob(first["thumbnail_path"]) is None
    assert bucket().get_blob(stored(asset["id"])["image_path"]) is not None


def test_deleting_an_asset_removes_its_images(alice: Api, asset: dict) -> None:
    alice.upload(asset["id"], jpeg(), "x.jpg")
    doc = stored(asset["id"])
    assert alice.delete(f"/api/assets/{asset['id']}").status_code == 200
    assert bucket().get_blob(doc["image_path"]) is None
    assert bucket().get_blob(doc["thumbnail_path"]) is None


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (b"just some text, not an image", 415, "unsupported_media_type"),
        (b"", 415, "unsupported_media_type"),
        ("gif", 415, "unsupported_media_type"),
        ("truncated", 422, "invalid_image"),
        ("bomb", 422, "invalid_image"),
        ("tiny", 422, "invalid_image"),
    ],
)
def test_bad_files_are_refused_and_change_nothing(
    alice: Api, asset: dict, payload, status: int, code: str
) -> None:
    if payload == "gif":
        out = io.BytesIO()
        Image.new("RGB", (100, 100)).save(out, format="GIF")
        payload = out.getvalue()
    elif payload == "truncated":
        payload = jpeg(800, 600)[:3000]
    elif payload == "bomb":
        payload = png_bomb(40_000, 40_000)
    elif payload == "tiny":
        payload = jpeg(32, 32)
    before = alice.get(f"/api/manifests/{asset['manifest_id']}").json()
    r = alice.upload(asset["id"], payload, "bad.jpg")
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert alice.get(f"/api/manifests/{asset['manifest_id']}").json() == before
    assert list(bucket().list_blobs(prefix=f"manifests/{asset['manifest_id']}/")) == []


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_cut_image_is_422_whatever_its_format_and_where_it_is_cut(
    alice: Api, asset: dict, fmt: str
) -> None:
    """A file whose header says JPEG, PNG or WebP but whose body is cut is an invalid image (422);
    only bytes that are none of the three are an unsupported type (415)."""
    picture = Image.effect_noise((400, 300), 60).convert("RGB")
    out = io.BytesIO()
    picture.save(out, format=fmt)
    data = out.getvalue()
    before = alice.get(f"/api/manifests/{asset['manifest_id']}").json()
    for cut in (16, 64, 400, len(data) // 2, len(data) - 8):
        r = alice.upload(asset["id"], data[:cut], f"cut.{fmt.lower()}")
        assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_image"), (fmt, cut, r.text)
    assert alice.get(f"/api/manifests/{asset['manifest_id']}").json() == before
    assert alice.upload(asset["id"], data, f"whole.{fmt.lower()}").status_code == 200


def test_oversized_upload_is_413(alice: Api, asset: dict) -> None:
    r = alice.upload(asset["id"], b"\xff" * (21 * 1024 * 1024), "huge.jpg")
    assert r.status_code == 413
    assert stored(asset["id"]).get("image_path") is None


def test_upload_needs_the_file_field_and_multipart(alice: Api, asset: dict) -> None:
    r = alice.post(f"/api/assets/{asset['id']}/upload", files={"image": ("a.jpg", jpeg())})
    assert r.status_code == 422
    r = alice.post(f"/api/assets/{asset['id']}/upload", data=jpeg(), headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 415


@pytest.mark.parametrize(
    "filename",
    ["../../../etc/passwd.jpg", "..\\..\\boot.ini", "/abs/path/x.jpg", "a/b/../../c.jpg", "....", "😀.jpg"],
)
def test_path_like_filenames_stay_in_their_folder(alice: Api, asset: dict, filename: str) -> None:
    r = alice.upload(asset["id"], jpeg(), filename)
    assert r.status_code == 200
    path = stored(asset["id"])["image_path"]
    folder = f"manifests/{asset['manifest_id']}/uploads/{asset['id']}_"
    assert path.startswith(folder)
    assert "/" not in path[len(folder) :]  # one path component: it cannot climb out of the folder
    names = [b.name for b in bucket().list_blobs()]
    assert all(n.startswith("manifests/") for n in names)
    assert not any(part in (".", "..", "") for n in names for part in n.split("/"))


def put_signed(
    alice: Api, asset: dict, data: bytes, content_type: str = "image/jpeg", filename: str = "d.jpg"
):
    r = alice.post(
        f"/api/assets/{asset['id']}/upload-url", json={"content_type": content_type, "filename": filename}
    )
    assert r.status_code == 200, r.text
    grant = r.json()
    assert grant["object_name"].startswith(f"manifests/{asset['manifest_id']}/uploads/{asset['id']}_")
    put = requests.put(grant["upload_url"], data=data, headers=grant["headers"], timeout=10)
    assert put.status_code == 200, put.text
    return grant


def test_signed_url_upload_is_attached_by_the_finalize_trigger(alice: Api, asset: dict, photos: Path) -> None:
    data = (photos / "biden.jpg").read_bytes()
    put_signed(alice, asset, data, filename="biden.jpg")
    done = wait_for(lambda: alice.get(f"/api/assets/{asset['id']}").json()["thumbnail_url"])
    assert done, "the finalize trigger never attached the upload"
    body = alice.get(f"/api/assets/{asset['id']}").json()
    assert requests.get(body["reference_image_url"], timeout=10).content == data
    assert max(image_at(body["thumbnail_url"]).size) == 512
    assert body["image_width"] == Image.open(io.BytesIO(data)).width
    assert stored(asset["id"])["pending_upload_path"] is None


def redeliver(base_url: str, blob: storage.Blob) -> None:
    """Deliver the finalize event of `blob` again, as at-least-once delivery may."""
    data = {
        "bucket": blob.bucket.name,
        "name": blob.name,
        "generation": str(blob.generation),
        "size": str(blob.size),
        "metadata": blob.metadata or {},
    }
    envelope = {
        "message": {
            "attributes": {
                "eventType": "OBJECT_FINALIZE",
                "bucketId": blob.bucket.name,
                "objectId": blob.name,
            },
            "data": base64.b64encode(json.dumps(data).encode()).decode(),
            "messageId": "redelivery",
        },
        "subscription": "projects/demo-vidpipe/subscriptions/test",
    }
    assert requests.post(base_url + EVENTS_PATH, json=envelope, timeout=30).status_code == 204


def test_repeated_events_and_own_writes_change_nothing_twice(alice: Api, asset: dict, base_url: str) -> None:
    grant = put_signed(alice, asset, oriented_jpeg(300, 200, orientation=8))
    assert wait_for(lambda: stored(asset["id"]).get("thumbnail_path"))
    manifest_id = asset["manifest_id"]
    wait_for(lambda: False, timeout=1)  # let the events of the service's own writes arrive
    settled = alice.get(f"/api/manifests/{manifest_id}").json()
    assert settled["version"] == 3  # asset created, then the upload attached: once
    doc = stored(asset["id"])
    assert (doc["image_width"], doc["image_height"]) == (200, 300)  # rotated upright by the trigger
    blob = bucket().get_blob(grant["object_name"])
    assert blob.metadata == {"vidpipe-writer": "service"}
    redeliver(base_url, blob)
    redeliver(base_url, bucket().get_blob(doc["thumbnail_path"]))
    assert alice.get(f"/api/manifests/{manifest_id}").json() == settled
    assert stored(asset["id"]) == doc


def test_a_bad_direct_upload_is_recorded_and_removed(alice: Api, asset: dict) -> None:
    grant = put_signed(alice, asset, b"<html>not an image</html>", content_type="image/png", filename="x.png")
    error = wait_for(lambda: alice.get(f"/api/assets/{asset['id']}").json()["upload_error"])
    assert error["code"] == "unsupported_media_type"
    assert bucket().get_blob(grant["object_name"]) is None
    assert alice.get(f"/api/assets/{asset['id']}").json()["reference_image_url"] is None


def test_objects_nobody_asked_for_are_ignored(alice: Api, asset: dict, base_url: str) -> None:
    path = f"manifests/{asset['manifest_id']}/uploads/{asset['id']}_sneaky.jpg"
    blob = bucket().blob(path)
    blob.upload_from_string(jpeg(), content_type="image/jpeg")
    redeliver(base_url, bucket().get_blob(path))
    assert stored(asset["id"]).get("image_path") is None


def test_upload_url_validation(alice: Api, asset: dict) -> None:
    assert (
        alice.post(f"/api/assets/{asset['id']}/upload-url", json={"content_type": "image/gif"}).status_code
        == 415
    )
    assert alice.post(f"/api/assets/{asset['id']}/upload-url", json={}).status_code == 422
    r = alice.post(
        f"/api/assets/{asset['id']}/upload-url", json={"content_type": "image/png", "filename": "../../x"}
    )
    assert r.status_code == 200
    assert r.json()["object_name"] == f"manifests/{asset['manifest_id']}/uploads/{asset['id']}_x.png"
    assert r.json()["headers"]["x-goog-content-length-range"] == f"0,{20 * 1024 * 1024}"
