"""Image URLs: Cloud CDN signed URL prefixes, checked by the local CDN (devstack/cdn.py).

One owner's URLs never open another owner's images; a tampered, expired or foreign-key URL is
refused; URLs are stable between reads (browsers cache them) and reads make no per-image call.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import time
from urllib.parse import urlsplit

import pytest
import requests

from common.gcp import cdn, storage
from devstack.emulators import Stack
from tests.support.api import Api, jpeg


def uploaded(user: Api, color: str) -> tuple[dict, dict]:
    manifest = user.manifest()
    asset = user.asset(manifest["id"], "Hero")
    data = jpeg(color=color)
    r = user.upload(asset["id"], data)
    assert r.status_code == 200, r.text
    return manifest, r.json()


def swap_path(url: str, other: str) -> str:
    """`url`'s signed query on `other`'s path."""
    return other.split("?", 1)[0] + "?" + url.split("?", 1)[1]


def test_the_signed_query_is_cloud_cdns_documented_format() -> None:
    key = bytes(range(16))
    prefix = "https://images.example.com/uploads/manifests/abc/"
    # cloud.google.com/cdn/docs/using-signed-urls: the policy, then an HMAC-SHA1 of it, base64url.
    encoded = base64.urlsafe_b64encode(prefix.encode()).decode()
    policy = f"URLPrefix={encoded}&Expires=1800000000&KeyName=k1"
    signature = base64.urlsafe_b64encode(hmac.new(key, policy.encode(), hashlib.sha1).digest()).decode()
    assert cdn.sign(prefix, 1_800_000_000, "k1", key) == f"{policy}&Signature={signature}"
    # Terraform's random_id.b64_url has no padding; the key decodes the same either way.
    unpadded = base64.urlsafe_b64encode(key).decode().rstrip("=")
    assert cdn.b64url_decode(unpadded) == cdn.b64url_decode(unpadded + "==") == key


@pytest.mark.parametrize(
    ("now", "expires"),
    [(0, 43_200), (21_599, 43_200), (21_600, 64_800), (1_000_000, 1_036_800)],
)
def test_expiry_falls_on_window_boundaries(now: int, expires: int) -> None:
    ttl = 43_200  # every URL made within one half-TTL window is the same, and lives ttl/2 to ttl
    assert cdn.window_expiry(now, ttl) == expires
    assert ttl // 2 < expires - now <= ttl


def test_an_image_url_opens_the_image_and_is_stable_between_reads(alice: Api) -> None:
    manifest, asset = uploaded(alice, "darkorange")
    response = requests.get(asset["reference_image_url"], timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/jpeg"
    assert response.content == jpeg(color="darkorange")  # the uploaded bytes, as stored
    assert "max-age=" in response.headers["Cache-Control"]
    again = alice.get(f"/api/manifests/{manifest['id']}").json()["assets"][0]
    assert again["reference_image_url"] == asset["reference_image_url"]
    assert again["thumbnail_url"] == asset["thumbnail_url"]
    # One signature covers the record's folder: the image and its thumbnail share it.
    assert again["reference_image_url"].split("?")[1] == again["thumbnail_url"].split("?")[1]
    assert requests.head(asset["thumbnail_url"], timeout=10).status_code == 200
    # A range, as a video player seeks: 206 with those bytes.
    part = requests.get(asset["reference_image_url"], headers={"Range": "bytes=2-9"}, timeout=10)
    assert part.status_code == 206 and part.content == response.content[2:10]
    assert part.headers["Content-Range"] == f"bytes 2-9/{len(response.content)}"


def test_one_owners_url_never_opens_another_owners_image(alice: Api, mallory: Api) -> None:
    _, mine = uploaded(mallory, "seagreen")
    _, theirs = uploaded(alice, "firebrick")
    assert requests.get(mine["reference_image_url"], timeout=10).status_code == 200
    for target in ("reference_image_url", "thumbnail_url"):
        stolen = swap_path(mine["reference_image_url"], theirs[target])
        r = requests.get(stolen, timeout=10)
        assert r.status_code == 403 and b"outside the signed prefix" in r.content
    # Nor does it open another of the same owner's manifests: a prefix is one record's folder.
    _, other = uploaded(mallory, "khaki")
    assert (
        requests.get(
            swap_path(mine["reference_image_url"], other["reference_image_url"]), timeout=10
        ).status_code
        == 403
    )


def test_dot_segments_cannot_climb_out_of_the_signed_folder(alice: Api, mallory: Api) -> None:
    _, mine = uploaded(mallory, "navy")
    _, theirs = uploaded(alice, "gold")
    mine_url, theirs_url = urlsplit(mine["reference_image_url"]), urlsplit(theirs["reference_image_url"])
    folder = "/".join(mine_url.path.split("/")[:4])  # /uploads/manifests/{id}
    escape = folder + "/../../.." + theirs_url.path  # sent as is: clients would resolve it first
    connection = http.client.HTTPConnection(mine_url.netloc, timeout=10)
    connection.request("GET", f"{escape}?{mine_url.query}")
    answer = connection.getresponse()
    assert answer.status in (403, 404) and not answer.read().startswith(b"\xff\xd8")


def test_tampered_expired_and_unknown_key_urls_are_refused(stack: Stack, alice: Api) -> None:
    _, asset = uploaded(alice, "plum")
    url = asset["reference_image_url"]
    path, query = url.split("?", 1)
    signed, _, signature = query.rpartition("&Signature=")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    key = cdn.b64url_decode(stack.cdn_key)
    folder = path.rsplit("/", 2)[0] + "/"
    cases = {
        "bad signature": f"{path}?{signed}&Signature={flipped}",
        "expired": f"{path}?{cdn.sign(folder, int(time.time()) - 1, stack.cdn_key_name, key)}",
        "unknown key": f"{path}?{cdn.sign(folder, int(time.time()) + 600, 'retired', key)}",
        "not a signed URL prefix request": path,
    }
    for reason, bad in cases.items():
        r = requests.get(bad, timeout=10)
        assert (r.status_code, reason.encode() in r.content) == (403, True), (reason, r.text)
    # A fresh signature by the right key opens it: the refusals above were for their reason.
    good = f"{path}?{cdn.sign(folder, int(time.time()) + 600, stack.cdn_key_name, key)}"
    assert requests.get(good, timeout=10).status_code == 200


def test_reads_sign_no_url_through_storage(alice: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """No V4 signing (one IAM signBlob call per URL in production) on any read path."""
    manifest, asset = uploaded(alice, "teal")

    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("a read signed a URL through Cloud Storage")

    monkeypatch.setattr(storage, "_sign", refuse)
    body = alice.get(f"/api/manifests/{manifest['id']}").json()
    assert body["assets"][0]["reference_image_url"] == asset["reference_image_url"]
    assert alice.get(f"/api/assets/{asset['id']}").status_code == 200
