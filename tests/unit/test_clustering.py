"""Grouping faces by person (gpu_service/vision/clustering.py): pure numpy, no model."""

from __future__ import annotations

import numpy as np
import pytest

from gpu_service.vision.clustering import Face, Group, cluster, merge_linked, normalize


def unit(*values: float) -> np.ndarray:
    return normalize(np.asarray([values], dtype=np.float32))[0]


@pytest.mark.parametrize(
    ("vectors", "scores", "expected"),
    [
        ([[1, 0], [1, 0], [0, 1]], [0.9, 0.8, 0.7], [0, 0, 2]),
        ([[1, 0], [1, 0]], [0.6, 0.9], [1, 1]),  # the better-scored face leads its group
        # b resembles a and c, a and c do not resemble each other: b joins a, c stays alone
        ([[1, 0], [0.8, 0.6], [0.28, 0.96]], [0.9, 0.8, 0.7], [0, 0, 2]),
        ([], [], []),
    ],
)
def test_grouping_table(vectors: list, scores: list, expected: list) -> None:
    from gpu_service.vision.clustering import group, normalize

    matrix = normalize(np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1 if vectors else 2))
    assert group(matrix, scores, 0.75) == expected


@pytest.mark.parametrize(
    ("faces", "links", "expected"),
    [
        # (id, image, vector): a and b are far apart but linked to one person: one group, a leads
        ([("a", "i1", [1, 0]), ("b", "i2", [0, 1])], {"a": "x", "b": "x"}, [["a", "b"]]),
        # linked, but two faces of one image: still two people
        ([("a", "i1", [1, 0]), ("b", "i1", [0, 1])], {"a": "x", "b": "x"}, [["a"], ["b"]]),
        # links to different people merge nothing; an unlinked face stays as clustering left it
        (
            [("a", "i1", [1, 0]), ("b", "i2", [0, 1]), ("c", "i3", [1, 0.1])],
            {"a": "x", "b": "y"},
            [["a", "c"], ["b"]],
        ),
        # a chain: b shares a's link and c's, so all three are one person
        (
            [("a", "i1", [1, 0]), ("b", "i2", [0, 1]), ("c", "i3", [-1, 0])],
            {"a": "x", "b": "x", "c": "x"},
            [["a", "b", "c"]],
        ),
    ],
)
def test_linked_identities_merge_groups_but_never_one_images_faces(
    faces: list, links: dict, expected: list
) -> None:
    from gpu_service.vision.clustering import Face, cluster, normalize

    found = [
        Face(i, normalize(np.asarray([v], dtype=np.float32))[0], 0.9 - n * 0.01, image)
        for n, (i, image, v) in enumerate(faces)
    ]
    merged = merge_linked(cluster(found, 0.75), links)
    assert [sorted(g.members) for g in merged] == expected
    assert all(g.primary == sorted(g.members)[0] for g in merged)  # the best-scored face leads


def test_two_faces_of_one_image_never_share_a_group() -> None:
    twins = [Face("a", unit(1, 0), 0.9, "photo"), Face("b", unit(1, 0.01), 0.8, "photo")]
    assert sorted(g.members for g in cluster(twins, 0.5)) == [["a"], ["b"]]


def test_a_new_face_joins_the_existing_group_it_resembles_as_a_whole() -> None:
    kept = Group.of(Face("p", unit(1, 0), 0.9, "i1"))
    kept.add(Face("q", unit(0.6, 0.8), 0.8, "i2"))  # the group's mean points between the two
    near_mean = Face("new", unit(0.85, 0.5), 0.7, "i3")  # below 0.9 to p alone, above it to the mean
    assert float(near_mean.vector @ kept.lead) < 0.9 <= float(near_mean.vector @ kept.reference("centroid"))
    joined = cluster([near_mean], 0.9, groups=[kept])
    assert [g.members for g in joined] == [["p", "q", "new"]]
    assert cluster([near_mean], 0.9, groups=[Group.of(Face("p", unit(1, 0), 0.9, "i1"))], linkage="primary")[
        -1
    ].members == ["new"]  # compared with the primary alone it founds a group of its own


def test_normalize_keeps_zero_vectors_finite() -> None:
    out = normalize(np.zeros((2, 3), dtype=np.float32))
    assert np.isfinite(out).all()
    assert np.allclose(np.linalg.norm(normalize(np.asarray([[3.0, 4.0]])), axis=1), 1.0)
