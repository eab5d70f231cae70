"""A scene's reference pack: which of the project's snapshot images a generation model gets for one
scene, why each, what did not fit, and the scene's text with each handle spelled out.

Pure: the endpoint and the generators read the snapshot and the scene, then call `pack`. The same
snapshot and scene always give the same pack.

Who the scene expects: its `scene_manifest.asset_tags`, then every tag or `@Name` in its text, in
order (a tag of any asset of a character means that character; a name two characters share is
ambiguous and listed as unresolved, never guessed). Per subject, the images ranked for the shot
(an image with a quality warning never before one without):
- a character in a close or medium shot: its uploads by how representative their face is of the
  character (the highest median cosine to its other identifiable faces), then its face crops the
  same way, then uploads with other people in them (a group photo: a model may draw them too), then
  its person crops, then its uploads' views (other angles);
- a character in a wide shot: full-body images first (an upload that is a person, then person
  crops by confidence), then the other uploads, views and faces, group photos last;
- an object, environment or style asset: its own image (a style image only where the target has a
  slot for one).
The pack is filled round robin, so every subject has one image before any has a second. Spelling
out is idempotent: a handle already followed by its spelled-out name is left as it is.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from common.library import cast as cast_rules
from common.library.models import AssetType, display_key
from common.projects.models import SnapshotAsset
from common.projects.reference_models import Chosen, PackLeftOut, PackTarget, Role

ROLES: dict[AssetType, Role] = {
    AssetType.CHARACTER: "character",
    AssetType.OBJECT: "object",
    AssetType.ENVIRONMENT: "environment",
    AssetType.STYLE: "style",
}
WIDE_SHOTS = ("wide", "full", "long", "establishing")
# A tag (CHAR_04) or a name after @ (@Biden), as a prompt writes them; a cast member's name with
# spaces is matched whole ("@Joe Biden"), longest first, before a one-word name.
TAG = r"(?<![\w@])([A-Z]+_\d{2,})\b"
WORD = r"[^\W\d_][\w-]*"
MENTION = re.compile(rf"{TAG}|(?<!\w)@({WORD})")
DESCRIPTION_CHARS = 100


@dataclass(frozen=True, kw_only=True)
class Reference(Chosen):
    image_path: str  # the stored image (the endpoint signs a URL for it)


@dataclass(frozen=True)
class Pack:
    references: list[Reference]
    left_out: list[PackLeftOut]
    uncovered: list[str]  # handles of expected subjects without an image in the pack
    unresolved: list[str]  # tags and @Names that name nobody (or several)
    prompt: str


@dataclass
class _Subject:
    key: str  # character id, or asset id
    handle: str
    name: str
    role: Role
    description: str
    character_id: str | None
    candidates: list[Reference] = field(default_factory=list)


def pack(
    assets: Sequence[SnapshotAsset],
    *,
    scene_tags: Sequence[str],
    text: str,
    shot_type: str | None,
    target: PackTarget,
    limit: int,
    prompt: str | None = None,
    focus: Sequence[str] = (),
    setback: Collection[str] = (),
) -> Pack:
    """`prompt`: the words to send instead of the scene's text (a regeneration's), spelled out the
    same way; whom they name is expected too, after the scene's own subjects. `focus`: handles whose
    identity must show (a repair's, common/continuity/steering.py): their subjects come first, each
    ranked by its most representative face whatever the shot. `setback`: asset ids a repair already
    led a subject with while the check could not confirm them: after that subject's other images."""
    said = text if prompt is None else f"{text}\n{prompt}"
    subjects, unresolved, mentions = _subjects(assets, scene_tags, said)
    first = {handle: n for n, handle in enumerate(focus)}
    subjects.sort(key=lambda s: first.get(s.handle, len(first)))  # stable: the rest keep their order
    wide = any(word in (shot_type or "").casefold() for word in WIDE_SHOTS)
    by_character = _by_character(assets)
    crowded = _crowded(assets)
    for subject in subjects:
        if subject.character_id is not None:
            images = by_character[subject.character_id]
            close = not wide or subject.handle in first
            subject.candidates = _character_images(subject, images, crowded, wide=not close)
        else:
            own = next(a for a in assets if a.id == subject.key)
            subject.candidates = (
                [_reference(subject, own, f"{subject.handle}'s own image")] if own.image_path else []
            )
        later = [c for c in subject.candidates if c.asset_id in setback]
        subject.candidates = [c for c in subject.candidates if c.asset_id not in setback] + later
    references, left_out = _fill(subjects, target, limit)
    covered = {r.handle for r in references}
    return Pack(
        references=references,
        left_out=left_out,
        uncovered=[s.handle for s in subjects if s.handle not in covered],
        unresolved=unresolved,
        prompt=_expanded(text if prompt is None else prompt, mentions),
    )


def _subjects(
    assets: Sequence[SnapshotAsset], scene_tags: Sequence[str], text: str
) -> tuple[list[_Subject], list[str], _Mentions]:
    """The expected subjects in order, what names nobody, and each mention's subject."""
    members = {m.character_id: m for m in cast_rules.cast_of(_in_display_order(assets))}
    by_tag = {a.manifest_tag: a for a in assets if a.manifest_tag}
    by_id = {a.id: a for a in assets}
    names: dict[str, list[str]] = {}
    for member in members.values():
        spoken = " ".join(member.name.split()).casefold()  # as a mention spells it: one space apart
        for key in {spoken, spoken.replace(" ", "")}:
            names.setdefault(key, []).append(member.character_id)
    subjects: dict[str, _Subject] = {}
    unresolved: list[str] = []
    mentions: dict[str, _Subject] = {}
    pattern = mention_pattern(m.name for m in members.values())

    def character(character_id: str) -> _Subject:
        member = members[character_id]
        named = by_id[member.named_asset_id]
        return subjects.setdefault(
            character_id,
            _Subject(character_id, member.handle, member.name, "character", _short(named), character_id),
        )

    def resolve(token: str) -> _Subject | None:
        if token.startswith("@"):
            found = names.get(token[1:].casefold(), [])
            if len(found) != 1:
                unresolved.append(token if not found else f"{token} (ambiguous: {_handles(found, members)})")
                return None
            return character(found[0])
        asset = by_tag.get(token)
        if asset is None:
            unresolved.append(token)
            return None
        if asset.character_id in members:
            return character(asset.character_id or "")
        role = ROLES.get(asset.asset_type, "object")
        return subjects.setdefault(
            asset.id, _Subject(asset.id, asset.manifest_tag, asset.name, role, _short(asset), None)
        )

    for tag in scene_tags:
        resolve(tag)
    for match in pattern.finditer(text):
        token = _token(match)
        if token not in mentions and token not in unresolved:
            found = resolve(token)
            if found is not None:
                mentions[token] = found
    return list(subjects.values()), list(dict.fromkeys(unresolved)), _Mentions(pattern, mentions)


def mention_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """Tags and @mentions, where a name of several words ("@Joe Biden", any case, any spaces
    between its words) is one mention: as the studio writes it and as a creator types it."""
    spaced = sorted({n for n in names if " " in n.strip()}, key=len, reverse=True)
    if not spaced:
        return MENTION
    whole = "|".join(r"\s+".join(re.escape(w) for w in n.split()) for n in spaced)
    return re.compile(rf"{TAG}|(?<!\w)@((?i:{whole})(?![\w-])|{WORD})")


def _token(match: re.Match[str]) -> str:
    return match.group(1) or "@" + " ".join(match.group(2).split())


@dataclass(frozen=True)
class _Mentions:
    pattern: re.Pattern[str]
    found: dict[str, _Subject]


@dataclass(frozen=True)
class CastEntry:
    """One subject a storyboard may ask for: a character (by its handle), or an uploaded object,
    place or style."""

    handle: str
    name: str
    role: Role
    description: str


def cast_entries(assets: Sequence[SnapshotAsset]) -> list[CastEntry]:
    """What a snapshot offers a storyboard, in display order: its characters, then its uploaded
    objects, environments and styles (crops are a character's or an upload's already)."""
    ordered = _in_display_order(assets)
    by_id = {a.id: a for a in ordered}
    out = [
        CastEntry(m.handle, m.name, "character", _short(by_id[m.named_asset_id]))
        for m in cast_rules.cast_of(ordered)
    ]
    out += [
        CastEntry(a.manifest_tag, a.name, ROLES[a.asset_type], _short(a))
        for a in ordered
        if a.asset_type != AssetType.CHARACTER and a.source != "extracted" and a.manifest_tag
    ]
    return out


def spelled_out(assets: Sequence[SnapshotAsset], text: str) -> tuple[str, list[str]]:
    """The text with each tag or @Name it uses spelled out once (`CHAR_04 (Biden: …)`), and what
    names nobody (or several): a prompt as a storyboarder should read it."""
    _, unresolved, mentions = _subjects(assets, [], text)
    return _expanded(text, mentions), unresolved


def _handles(character_ids: list[str], members: dict[str, cast_rules.CastMember]) -> str:
    return ", ".join(sorted(members[c].handle for c in character_ids))


def _by_character(assets: Sequence[SnapshotAsset]) -> dict[str, list[SnapshotAsset]]:
    out: dict[str, list[SnapshotAsset]] = {}
    for asset in _in_display_order(assets):
        if asset.character_id:
            out.setdefault(asset.character_id, []).append(asset)
    return out


def _crowded(assets: Sequence[SnapshotAsset]) -> set[str]:
    """Images that show more than one face (a group photo): a model given one may draw the others."""
    cut = Counter(a.source_asset_id for a in assets if a.is_face_crop and a.source_asset_id)
    return {source for source, faces in cut.items() if faces > 1}


def _character_images(
    subject: _Subject, own: list[SnapshotAsset], crowded: set[str], *, wide: bool
) -> list[Reference]:
    faces = [a for a in own if a.is_face_crop and a.face_embedding]
    likeness = _representative(faces)
    alone = [a for a in own if a.source != "extracted" and a.image_path and a.id not in crowded]
    shared = [a for a in own if a.source != "extracted" and a.image_path and a.id in crowded]
    uploads = alone + shared
    people = [a for a in own if a.source == "extracted" and not a.is_face_crop and a.image_path]

    def face_of(image: SnapshotAsset) -> float:
        return max((likeness[f.id] for f in faces if f.source_asset_id == image.id), default=-1.0)

    def ranked(items: list[SnapshotAsset], score: dict[str, float]) -> list[SnapshotAsset]:
        return sorted(items, key=lambda a: (a.quality_warning, -score[a.id], a.created_at, a.id))

    upload_score = {a.id: face_of(a) for a in uploads}
    face_score = {f.id: likeness[f.id] for f in faces}
    person_score = {a.id: a.detection_confidence or 0.0 for a in people}
    by_face = [
        _reference(subject, a, f"{subject.handle}'s most representative face ({upload_score[a.id]:.2f})")
        if upload_score[a.id] >= 0
        else _reference(subject, a, f"an upload of {subject.handle}")
        for a in ranked(alone, upload_score)
    ]
    with_others = [
        _reference(subject, a, f"an upload of {subject.handle} with other people in it")
        for a in ranked(shared, upload_score)
    ]
    faces_ranked = [
        _reference(subject, f, f"a face of {subject.handle} ({face_score[f.id]:.2f} to its others)")
        for f in ranked(faces, face_score)
    ]
    bodies = [_reference(subject, a, f"{subject.handle} full body") for a in ranked(people, person_score)]
    angles = [
        _reference(subject, a, f"{subject.handle}, {view.view} view", view.image_path, view.id)
        for a in uploads
        for view in a.views
        if view.identity in (None, "same")
    ]
    if not wide:
        return by_face + faces_ranked + with_others + bodies + angles
    whole = [a for a in ranked(alone, upload_score) if a.detection_class == "person"]
    standing = [_reference(subject, a, f"{subject.handle} full body (the whole upload)") for a in whole]
    rest = [r for r in by_face if r.asset_id not in {a.id for a in whole}]
    return standing + bodies + rest + angles + faces_ranked + with_others


def _representative(faces: list[SnapshotAsset]) -> dict[str, float]:
    """Each face's median cosine to the character's other identifiable faces (1.0 when alone)."""
    if len(faces) < 2:
        return {f.id: 1.0 for f in faces}
    matrix = np.asarray([f.face_embedding for f in faces], dtype=np.float32)
    similarity = matrix @ matrix.T
    return {
        f.id: round(float(statistics.median(np.delete(similarity[i], i))), 4) for i, f in enumerate(faces)
    }


def _reference(
    subject: _Subject, asset: SnapshotAsset, why: str, path: str | None = None, view_id: str | None = None
) -> Reference:
    return Reference(
        asset_id=asset.id,
        manifest_tag=asset.manifest_tag,
        character_id=subject.character_id,
        handle=subject.handle,
        name=subject.name,
        role=subject.role,
        image_path=path or asset.image_path or "",
        why=why,
        view_id=view_id,
    )


def _fill(
    subjects: list[_Subject], target: PackTarget, limit: int
) -> tuple[list[Reference], list[PackLeftOut]]:
    """Round robin: each subject's best image first, then each one's second, up to `limit`."""
    taken: list[Reference] = []
    left: list[PackLeftOut] = []
    queues = []
    for subject in subjects:
        if subject.role == "style" and target == "video":
            left += [
                PackLeftOut(r.asset_id, r.handle, "Veo's asset references have no style slot")
                for r in subject.candidates
            ]
        elif not subject.candidates:
            left.append(PackLeftOut(subject.key, subject.handle, "no stored image"))
        else:
            queues.append(list(subject.candidates))
    rank = 0
    while any(rank < len(q) for q in queues):
        for queue in queues:
            if rank >= len(queue):
                continue
            reference = queue[rank]
            if len(taken) < limit:
                taken.append(reference)
                continue
            why = (
                f"the pack holds {limit} images for the {target} model; every subject's first came first"
                if rank
                else f"the pack holds {limit} images for the {target} model and was full"
            )
            left.append(PackLeftOut(reference.asset_id, reference.handle, why))
        rank += 1
    return taken, left


def _expanded(text: str, mentions: _Mentions) -> str:
    """The text with each subject spelled out once, where it is first named."""
    done: set[str] = set()

    def spell(match: re.Match[str]) -> str:
        subject = mentions.found.get(_token(match))
        if subject is None or subject.key in done:
            return subject.handle if subject is not None else match.group(0)
        done.add(subject.key)
        if text.startswith(f" ({subject.name}", match.end()):
            return subject.handle  # already spelled out (a prompt composed before): once is enough
        words = f"{subject.name}: {subject.description}" if subject.description else subject.name
        return f"{subject.handle} ({words})"

    return mentions.pattern.sub(spell, text)


def _short(asset: SnapshotAsset) -> str:
    """A short description: the reverse prompt's first sentence, cut to a phrase."""
    text = (asset.reverse_prompt or asset.description or "").strip()
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".")
    return first if len(first) <= DESCRIPTION_CHARS else first[: DESCRIPTION_CHARS - 1].rstrip() + "…"


def _in_display_order(assets: Sequence[SnapshotAsset]) -> list[SnapshotAsset]:
    return sorted(assets, key=display_key)
