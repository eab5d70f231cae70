"""Every answer under every path is the API's JSON: a path that names nothing (odd bytes in it
included) is a JSON 404, and a method a path does not take is a JSON 405 that says which it does."""

from __future__ import annotations

import pytest

from tests.support.api import Api


@pytest.mark.parametrize(
    "path",
    [
        "/api/projects/%0DJ%0E%0A/checkpoints",  # a newline: Flask's own router cannot match it
        "/api/checkpoints/%C3%B5_1%C2%95m/upload-image",
        "/api/manifests/%FF",
        "/api/nothing-here",
        "/robots.txt",
    ],
)
def test_a_path_that_names_nothing_is_a_json_404(base_url: str, alice: Api, path: str) -> None:
    answer = alice.session.get(base_url + path, timeout=10)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/manifests", {"GET", "HEAD", "POST"}),
        ("TRACE", f"/api/assets/{'a' * 32}", {"GET", "HEAD", "PUT", "DELETE"}),
        ("OPTIONS", f"/api/checkpoints/{'a' * 32}/spec", {"PATCH"}),
    ],
)
def test_a_method_a_path_does_not_take_is_a_json_405_with_allow(
    base_url: str, alice: Api, method: str, path: str, allowed: set[str]
) -> None:
    answer = alice.session.request(method, base_url + path, timeout=10)
    assert answer.status_code == 405
    assert answer.headers["Content-Type"].startswith("application/json")
    assert {m.strip() for m in answer.headers["Allow"].split(",")} == allowed
