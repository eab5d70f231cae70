"""The rules GET /api/studio/config serves are their one home in common/, in order, and that home
says what the clients used to hard-code (the studio and the CLI now read it from the server)."""

from __future__ import annotations

from PIL import Image

from common.jobs.models import STEPS, Step
from common.library import images
from common.library.models import (
    CATEGORY_ASSET_TYPES,
    IMAGE_TYPE_NAMES,
    IMAGE_TYPES,
    IMAGE_TYPES_IN_WORDS,
    AssetType,
    Category,
    in_words,
)
from common.projects.models import TERMINAL_STATUSES, ProjectStatus
from functions.api.studio import studio_rules


def test_the_served_rules_are_their_homes_in_order() -> None:
    rules = studio_rules()
    assert rules.steps == list(STEPS) == list(Step)
    assert rules.category_asset_types == CATEGORY_ASSET_TYPES
    assert [t.content_type for t in rules.image_types] == list(IMAGE_TYPES)
    assert [(t.name, t.extension) for t in rules.image_types] == [
        (IMAGE_TYPE_NAMES[c], e) for c, e in IMAGE_TYPES.items()
    ]
    assert set(rules.terminal_project_statuses) == TERMINAL_STATUSES
    assert rules.terminal_project_statuses == [s for s in ProjectStatus if s in TERMINAL_STATUSES]


def test_the_homes_state_what_the_clients_followed() -> None:
    assert [s.value for s in Step] == ["detection", "faces", "reverse_prompting", "tags", "contact_sheet"]
    assert set(CATEGORY_ASSET_TYPES) == set(Category)  # every category suggests a type
    assert CATEGORY_ASSET_TYPES == {
        Category.CHARACTERS: AssetType.CHARACTER,
        Category.OBJECTS: AssetType.OBJECT,
        Category.ENVIRONMENTS: AssetType.ENVIRONMENT,
        Category.STYLES: AssetType.STYLE,
        Category.MIXED: AssetType.CHARACTER,
    }
    assert {ProjectStatus.COMPLETE, ProjectStatus.FAILED, ProjectStatus.STOPPED} == TERMINAL_STATUSES
    assert IMAGE_TYPES_IN_WORDS == "JPEG, PNG or WebP"


def test_one_table_of_image_types_feeds_every_check() -> None:
    assert list(IMAGE_TYPE_NAMES) == list(IMAGE_TYPES)  # a name for each type, in the same order
    Image.init()
    assert set(images.FORMATS) <= set(Image.ID)  # Pillow's own format names
    assert list(images.FORMATS.values()) == list(IMAGE_TYPES)
    assert in_words(["a"]) == "a" and in_words(["a", "b"]) == "a or b"
