"""Cast attribution: are the people cut from a group photo given the right character?

Ground truth by construction: single-person portraits that ship in packages (face_recognition's
three of Obama and one of Biden, insightface's Tom Hanks, matplotlib's Grace Hopper, scikit-image's
astronaut) are set side by side on one canvas, each the same height, neighbours overlapping by
0 %, 20 % or 40 % of a portrait's width (a later one in front), 2 to 6 people a canvas. Every
person box the engine's detectors find on the canvas belongs to the portrait it covers most; its
character must be that portrait's face. The engine's own code decides: detection
(`vision.detection.scan`, slivers dropped as a run drops them), faces (`vision.faces.detect`),
identifiability (`vision.identity.assess`), and the attribution itself (`common.library.cast`).

Printed: person crops given the right character, given none (no face found, or two people's faces
in the head of the box), and wrong attributions (goal 0).

    .venv/bin/python bench/cast_attribution.py      (about 15 s on 2 cores)
"""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

import numpy as np

# The repository (bench/sizes.py says why after PYTHONPATH's trees), so that `bench.x` imports.
sys.path.insert(
    1 + len([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
    str(Path(__file__).resolve().parent.parent),
)
os.environ.setdefault("YOLO_CONFIG_DIR", "/tmp/vidpipe-yolo")

from bench.sizes import size as by_size

HEIGHT = 480
OVERLAPS = by_size((0.0, 0.2, 0.4), (0.2,))
SIZES = by_size((2, 3, 4, 6), (3,))


def portraits() -> list[tuple[str, object]]:
    """(who, RGB image) of different people, each filling its frame from the head down."""
    from PIL import Image

    from devstack.testdata import _package_dir, photos_dir

    found = [
        ("obama", Image.open(photos_dir() / "obama.jpg")),
        ("biden", Image.open(photos_dir() / "biden.jpg")),
        ("hanks", Image.open(_package_dir("insightface") / "data" / "images" / "Tom_Hanks_54745.png")),
        (
            "hopper",
            Image.open(_package_dir("matplotlib") / "mpl-data" / "sample_data" / "grace_hopper.jpg"),
        ),
        ("collins", Image.open(_package_dir("skimage") / "data" / "astronaut.png")),
    ]
    # Two more photos of Obama: each slot on a canvas is its own person for the bench (faces are
    # not grouped here), so one man may stand twice.
    found += [(name, Image.open(photos_dir() / f"{name}.jpg")) for name in ("obama2", "obama3")]
    return [(who, image.convert("RGB")) for who, image in found]


def canvases() -> list[tuple[object, list[tuple[str, tuple[int, int, int, int]]]]]:
    """Composed images and where each person stands on them."""
    from PIL import Image

    people = portraits()
    out = []
    for size, overlap in itertools.product(SIZES, OVERLAPS):
        for start in range(0, len(people), size):
            group = (people[start:] + people[:start])[:size]
            scaled = [
                (who, img.resize((round(img.width * HEIGHT / img.height), HEIGHT))) for who, img in group
            ]
            step = [round(img.width * (1 - overlap)) for _, img in scaled]
            width = sum(step[:-1]) + scaled[-1][1].width
            canvas = Image.new("RGB", (width, HEIGHT), (200, 200, 200))
            placed, x = [], 0
            for (who, img), advance in zip(scaled, step, strict=True):
                canvas.paste(img, (x, 0))  # later people stand in front of earlier ones
                placed.append((who, (x, 0, x + img.width, HEIGHT)))
                x += advance
            out.append((canvas, placed))
    return out


def visible_share(box: tuple[int, int, int, int], placed: list, index: int) -> float:
    """How much of `box` shows person `index` (the ones pasted after it hide it where they overlap)."""
    x1, _, x2, _ = box
    _, (px1, _, px2, _) = placed[index]
    covered = set(range(max(x1, px1), min(x2, px2)))
    for _, (qx1, _, qx2, _) in placed[index + 1 :]:
        covered -= set(range(qx1, qx2))
    return len(covered) / max(1, x2 - x1)


def main() -> None:
    from common.library import cast
    from common.library.models import Asset, AssetType
    from common.records import utcnow
    from gpu_service.vision import detection, faces, identity, runtime

    runtime.models()
    now = utcnow()
    right = none = wrong = crops = 0

    def asset(asset_id: str, **fields: object) -> Asset:
        base = {
            "id": asset_id,
            "owner_id": "b",
            "manifest_id": "m",
            "name": asset_id,
            "manifest_tag": "CHAR_01",
        }
        return Asset.model_validate(
            {**base, "asset_type": AssetType.CHARACTER, "created_at": now, "updated_at": now, **fields}
        )

    for number, (canvas, placed) in enumerate(canvases()):
        bgr = np.ascontiguousarray(np.asarray(canvas)[:, :, ::-1])
        size = (canvas.width, canvas.height)
        found_faces = faces.detect(bgr)
        crops_aligned = faces.align(bgr, found_faces)
        usable = [
            f for f, c in zip(found_faces, crops_aligned, strict=True) if identity.assess(f, c).status is None
        ]
        scanned = detection.scan(bgr)
        people = [
            d
            for d in scanned.crops
            if d.label == "person"
            and (
                detection.holds_a_face(d, [f.bbox for f in found_faces])
                or not detection.may_be_sliver(d, size)
            )
        ]
        source = f"canvas{number}"
        # Each identifiable face is its own character here: everyone on a canvas is someone else.
        face_assets = [
            asset(
                f"{source}-f{i}",
                source="extracted",
                source_asset_id=source,
                is_face_crop=True,
                crop_bbox=list(f.bbox),
                face_group_id=f"{source}-f{i}",
            )
            for i, f in enumerate(usable)
        ]
        truth_of_face = {}
        for a, f in zip(face_assets, usable, strict=True):
            cx = (f.bbox[0] + f.bbox[2]) / 2
            owners = [i for i, (_, (x1, _, x2, _)) in enumerate(placed) if x1 <= cx < x2]
            truth_of_face[a.id] = placed[max(owners)][0] if owners else None  # the one in front
        person_assets = [
            asset(f"{source}-p{i}", source="extracted", source_asset_id=source, crop_bbox=list(d.bbox))
            for i, d in enumerate(people)
        ]
        assigned = cast.characters([asset(source), *face_assets, *person_assets])
        for p, d in zip(person_assets, people, strict=True):
            crops += 1
            shares = [visible_share(d.bbox, placed, i) for i in range(len(placed))]
            expected = placed[int(np.argmax(shares))][0]
            character = assigned[p.id]
            if character is None:
                none += 1
            elif truth_of_face.get(character) == expected:
                right += 1
            else:
                wrong += 1
                if os.environ.get("SHOW_WRONG"):  # the cases, to look at
                    print(
                        "wrong:",
                        number,
                        d.bbox,
                        [(w, round(s, 2)) for (w, _), s in zip(placed, shares, strict=True)],
                        "given",
                        truth_of_face.get(character),
                        [b for _, b in placed],
                    )
    print(
        f"cast attribution on {len(canvases())} composed group photos ({', '.join(map(str, SIZES))} people, "
        f"overlaps {', '.join(f'{o:.0%}' for o in OVERLAPS)}): {crops} person crops; "
        f"right character {right} ({right / max(1, crops):.0%}), none {none}, wrong {wrong} (goal 0)"
    )


if __name__ == "__main__":
    main()
