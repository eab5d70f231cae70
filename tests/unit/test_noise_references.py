"""What a run does not cut out (gpu_service/vision/detection.py) and what it says about an image that
one thing fills (common/library/quality.py): pure rules on boxes and types."""

from __future__ import annotations

import pytest

from common.library.models import AssetType
from common.library.quality import content_checks
from gpu_service.vision.detection import Detection, holds_a_face, may_be_sliver

SIZE = (1000, 1000)


@pytest.mark.parametrize(
    ("label", "box", "sliver"),
    [
        ("person", (0, 400, 150, 800), True),  # at the left edge, 6% of the image
        ("person", (900, 300, 1000, 1000), False),  # at the edge but 7%: a person, faceless or not
        ("person", (300, 300, 450, 700), False),  # small but inside the picture
        ("person", (0, 0, 990, 990), False),  # large
        ("dog", (0, 400, 150, 800), False),  # only people make slivers
        ("person", (850, 998, 1000, 1000), True),  # a strip along the bottom edge
    ],
)
def test_a_sliver_is_a_small_person_box_at_the_border(label: str, box: tuple, sliver: bool) -> None:
    assert may_be_sliver(Detection(label, 0.6, box), SIZE) is sliver


def test_a_face_inside_the_box_makes_it_a_person() -> None:
    person = Detection("person", 0.6, (0, 400, 150, 800))
    assert holds_a_face(person, [(20, 420, 80, 480)])
    assert not holds_a_face(person, [(140, 420, 260, 480)])  # its centre is outside the box
    assert not holds_a_face(person, [])


@pytest.mark.parametrize(
    ("asset_type", "label", "label_type", "codes"),
    [
        (AssetType.CHARACTER, "cat", AssetType.OBJECT, ["type_mismatch"]),
        (AssetType.OBJECT, "person", AssetType.CHARACTER, ["type_mismatch"]),
        (AssetType.CHARACTER, "person", AssetType.CHARACTER, []),
        (AssetType.CHARACTER, None, None, []),  # nothing fills it: nothing to say
        (AssetType.ENVIRONMENT, "car", AssetType.OBJECT, []),  # a place may be full of one thing
        (AssetType.STYLE, "person", AssetType.CHARACTER, []),
    ],
)
def test_an_image_filled_by_another_type_is_flagged(
    asset_type: AssetType, label: str | None, label_type: AssetType | None, codes: list[str]
) -> None:
    found = content_checks(asset_type, label, label_type)
    assert [c.code for c in found] == codes
    assert all(c.severity == "warning" and label in c.message for c in found)
