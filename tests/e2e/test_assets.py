"""Assets: tags (sequential, unique under concurrency, never reused), edits, ordering, deletes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from google.cloud import firestore

from tests.support.api import Api


def test_create_allocates_sequential_tags_per_type(alice: Api) -> None:
    m = alice.manifest(category="MIXED")
    made = [
        alice.asset(m["id"], "A", "CHARACTER"),
        alice.asset(m["id"], "B", "CHARACTER"),
        alice.asset(m["id"], "Car", "OBJECT"),
        alice.asset(m["id"], "Street", "ENVIRONMENT"),
        alice.asset(m["id"], "Noir", "STYLE"),
        alice.asset(m["id"], "C", "CHARACTER"),
    ]
    assert [a["manifest_tag"] for a in made] == [
        "CHAR_01",
        "CHAR_02",
        "OBJ_01",
        "ENV_01",
        "STYLE_01",
        "CHAR_03",
    ]
    first = made[0]
    assert (first["source"], first["reference_image_url"], first["thumbnail_url"]) == ("uploaded", None, None)
    manifest = alice.get(f"/api/manifests/{m['id']}").json()
    assert manifest["asset_count"] == 6
    assert manifest["version"] == 7


def test_forty_concurrent_creates_get_forty_gapless_tags(alice: Api) -> None:
    m = alice.manifest()

    def create(i: int) -> dict:
        return alice.asset(m["id"], f"extra {i}")

    with ThreadPoolExecutor(max_workers=40) as pool:
        made = list(pool.map(create, range(40)))
    tags = sorted(a["manifest_tag"] for a in made)
    assert tags == [f"CHAR_{n:02d}" for n in range(1, 41)]
    manifest = alice.get(f"/api/manifests/{m['id']}").json()
    assert manifest["asset_count"] == 40
    assert len(manifest["assets"]) == 40
    assert manifest["version"] == 41


def test_tags_are_never_reused_after_delete(alice: Api) -> None:
    m = alice.manifest()
    a1 = alice.asset(m["id"], "one")
    a2 = alice.asset(m["id"], "two")
    assert alice.delete(f"/api/assets/{a2['id']}").json() == {"status": "deleted"}
    assert alice.asset(m["id"], "three")["manifest_tag"] == "CHAR_03"
    assert alice.get(f"/api/manifests/{m['id']}").json()["asset_count"] == 2
    assert alice.get(f"/api/assets/{a1['id']}").json()["manifest_tag"] == "CHAR_01"
    assert alice.get(f"/api/assets/{a2['id']}").status_code == 404
    assert alice.delete(f"/api/assets/{a2['id']}").status_code == 404
    assert alice.get(f"/api/manifests/{m['id']}").json()["asset_count"] == 2


def test_concurrent_deletes_of_one_asset_decrement_once(alice: Api) -> None:
    m = alice.manifest()
    keep = alice.asset(m["id"], "keep")
    doomed = alice.asset(m["id"], "doomed")
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda _: alice.delete(f"/api/assets/{doomed['id']}").status_code, range(8)))
    assert sorted(codes) == [200] + [404] * 7
    manifest = alice.get(f"/api/manifests/{m['id']}").json()
    assert manifest["asset_count"] == 1
    assert [a["id"] for a in manifest["assets"]] == [keep["id"]]


def test_update_fields_and_version(alice: Api) -> None:
    m = alice.manifest()
    a = alice.asset(m["id"], "Hero", description="tall", user_tags=["lead"])
    r = alice.put(
        f"/api/assets/{a['id']}",
        json={
            "name": "Heroine",
            "sort_order": 3,
            "reverse_prompt": "a tall woman",
            "visual_description": "red coat",
        },
    )
    assert r.status_code == 200
    u = r.json()
    assert (u["name"], u["description"], u["user_tags"], u["sort_order"]) == ("Heroine", "tall", ["lead"], 3)
    assert (u["reverse_prompt"], u["visual_description"], u["manifest_tag"]) == (
        "a tall woman",
        "red coat",
        "CHAR_01",
    )
    assert alice.get(f"/api/manifests/{m['id']}").json()["version"] == 3
    stored = firestore.Client().collection("assets").document(a["id"]).get().to_dict()
    # lets a processing run that started earlier keep its hands off these two fields
    assert set(stored["text_edits"]) == {"reverse_prompt", "visual_description"}


def test_changing_type_takes_a_new_tag_of_the_new_type(alice: Api) -> None:
    m = alice.manifest(category="MIXED")
    alice.asset(m["id"], "Car", "OBJECT")
    a = alice.asset(m["id"], "Thing", "CHARACTER")
    r = alice.put(f"/api/assets/{a['id']}", json={"asset_type": "OBJECT"})
    assert r.status_code == 200
    assert (r.json()["asset_type"], r.json()["manifest_tag"]) == ("OBJECT", "OBJ_02")
    # Back again: CHAR_01 stays retired, so it becomes CHAR_02.
    back = alice.put(f"/api/assets/{a['id']}", json={"asset_type": "CHARACTER"}).json()
    assert back["manifest_tag"] == "CHAR_02"
    same = alice.put(f"/api/assets/{a['id']}", json={"asset_type": "CHARACTER", "name": "Still"}).json()
    assert same["manifest_tag"] == "CHAR_02"


def test_list_assets_endpoint_orders_by_sort_order_then_creation(alice: Api) -> None:
    m = alice.manifest()
    b = alice.asset(m["id"], "b", sort_order=2)
    a = alice.asset(m["id"], "a", sort_order=-1)
    c = alice.asset(m["id"], "c", sort_order=2)
    r = alice.get(f"/api/manifests/{m['id']}/assets")
    assert r.status_code == 200
    assert [x["id"] for x in r.json()] == [a["id"], b["id"], c["id"]]


def test_assets_of_a_deleted_manifest_are_gone_for_the_user(alice: Api) -> None:
    m = alice.manifest()
    a = alice.asset(m["id"])
    alice.delete(f"/api/manifests/{m['id']}")
    assert alice.get(f"/api/assets/{a['id']}").status_code == 404
    assert (
        alice.post(f"/api/manifests/{m['id']}/assets", json={"name": "x", "asset_type": "STYLE"}).status_code
        == 404
    )


def test_asset_validation(alice: Api) -> None:
    m = alice.manifest()
    bad = [
        {"name": "x", "asset_type": "PERSON"},
        {"name": "x"},
        {"asset_type": "CHARACTER"},
        {"name": 5, "asset_type": "CHARACTER"},
        {"name": "x", "asset_type": "CHARACTER", "sort_order": "1"},
        {"name": "x", "asset_type": "CHARACTER", "sort_order": 1.5},
        {"name": "x", "asset_type": "CHARACTER", "user_tags": "lead"},
        {"name": "x", "asset_type": "CHARACTER", "manifest_tag": "CHAR_99"},
        {"name": "x" * 201, "asset_type": "CHARACTER"},
    ]
    for body in bad:
        r = alice.post(f"/api/manifests/{m['id']}/assets", json=body)
        assert r.status_code == 422, (body, r.text)
    manifest = alice.get(f"/api/manifests/{m['id']}").json()
    assert (manifest["asset_count"], manifest["version"]) == (0, 1)
