"""Reads at scale: asset pages with cursors, and ETags that answer 304 while nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime

from google.cloud.firestore import GeoPoint
from google.cloud.firestore_v1.vector import Vector

from common.gcp import db
from common.ids import new_id
from devstack.emulators import Stack
from tests.support.api import Api, jpeg


def test_assets_come_in_pages_in_display_order(alice: Api) -> None:
    manifest = alice.manifest(name="Paged")
    made = [alice.asset(manifest["id"], name=f"A{i}", sort_order=i % 3)["id"] for i in range(7)]
    everything = alice.get(f"/api/manifests/{manifest['id']}").json()["assets"]  # still whole
    assert len(everything) == 7 and {a["id"] for a in everything} == set(made)
    pages, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        r = alice.get(f"/api/manifests/{manifest['id']}/assets", params=params)
        assert r.status_code == 200, r.text
        pages.append([a["id"] for a in r.json()])
        cursor = r.headers.get("X-Next-Cursor")
        if not cursor:
            break
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for page in pages for i in page] == [a["id"] for a in everything]  # same order, no repeats
    default = alice.get(f"/api/manifests/{manifest['id']}/assets").json()
    assert [a["id"] for a in default] == [a["id"] for a in everything]  # 50 by default


def test_bad_cursors_and_limits_are_422(alice: Api) -> None:
    manifest = alice.manifest(name="Paged")
    for _ in range(2):
        alice.asset(manifest["id"], name="x")
    first = alice.get(f"/api/manifests/{manifest['id']}/assets", params={"limit": 1})
    listing = alice.get("/api/manifests", params={"limit": 1})
    for params in (
        {"cursor": "not-a-cursor"},
        {"cursor": first.headers["X-Next-Cursor"][:-3] + "abc"},
        {"cursor": listing.headers.get("X-Next-Cursor", "eyJzIjoibWFuaWZlc3RzIn0")},  # another listing's
        {"limit": 0},
        {"limit": 101},
        {"limit": "many"},
    ):
        r = alice.get(f"/api/manifests/{manifest['id']}/assets", params=params)
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", (params, r.text)


def test_reads_carry_an_etag_and_answer_304(alice: Api) -> None:
    manifest = alice.manifest(name="Cached")
    asset = alice.asset(manifest["id"], name="Hero")
    assert alice.upload(asset["id"], jpeg()).status_code == 200
    for path in (
        f"/api/manifests/{manifest['id']}",
        f"/api/assets/{asset['id']}",
        f"/api/manifests/{manifest['id']}/assets",
    ):
        first = alice.get(path)
        tag = first.headers["ETag"]
        again = alice.get(path, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == tag
        assert alice.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    before = alice.get(f"/api/manifests/{manifest['id']}").headers["ETag"]
    assert alice.put(f"/api/assets/{asset['id']}", json={"description": "taller"}).status_code == 200
    changed = alice.get(f"/api/manifests/{manifest['id']}", headers={"If-None-Match": before})
    assert changed.status_code == 200 and changed.headers["ETag"] != before
    assert changed.json()["assets"][0]["description"] == "taller"


def test_rows_decode_every_value_kind_as_the_client_does(stack: Stack) -> None:
    """db.rows decodes the wire itself (for speed); it must read what the client's snapshots read."""
    collection = db.client().collection(f"rows-{new_id()}")
    stored = {
        "text": "héllo",
        "count": 2**40,
        "ratio": 0.25,
        "flag": False,
        "nothing": None,
        "at": datetime(2026, 12, 1, 10, 30, 5, 123456, tzinfo=UTC),
        "tags": ["a", 1, None, {"deep": [True]}],
        "nested": {"x": {"y": 1.5}, "empty": {}},
        "empty_list": [],
        "blob": b"\x00\xff",
        "where": GeoPoint(48.85, 2.35),
        "ref": db.client().collection("assets").document("abc"),
        "embedding": Vector([0.1, 0.2, 0.3]),
    }
    collection.document("one").set(stored)
    collection.document("two").set({"text": "second", "count": 1})
    query = collection.order_by("count")
    (second, first) = db.rows(query)
    expected = {s.id: s.to_dict() for s in query.stream()}
    assert first == {**expected["one"], "id": "one"} and second == {**expected["two"], "id": "two"}
    assert first["at"] == stored["at"] and first["at"].tzinfo is not None
    assert isinstance(first["embedding"], Vector) and first["ref"].path == "assets/abc"
