"""The projects' commands: a generated image or frame promoted to a reference asset, a project's
continuity, a scene's reference pack."""

from __future__ import annotations

import argparse
from typing import Any

from cli.client import Client
from cli.tables import table


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The projects' subcommands (but repair: cli/main.py), on the root parser's `commands`."""
    promote = commands.add_parser(
        "promote", help="make a storyboard image or a clip's frame a reference asset"
    )
    promote.add_argument("checkpoint_id")
    promote.add_argument("--key", required=True, help="the beat's or chunk's index")
    promote.add_argument("--name", required=True)
    promote.add_argument("--type", dest="asset_type", default="CHARACTER", help="the new asset's type")
    promote.add_argument("--version", type=int, help="the artifact's version (default: the latest)")
    promote.add_argument("--frame-s", type=float, help="for a clip: the moment to take, in seconds")
    promote.add_argument("--manifest", help="another of your manifests (default: the project's)")

    continuity = commands.add_parser(
        "continuity", help="who each generated beat and clip of a project shows, worst first"
    )
    continuity.add_argument("project_id")

    references = commands.add_parser(
        "references", help="a scene's reference pack: the images a model gets for it, and why"
    )
    references.add_argument("project_id")
    references.add_argument("scene_index", type=int)
    references.add_argument("--target", default="video", help="video (Veo) or image (the image model)")


def promote(client: Client, args: argparse.Namespace) -> int:
    body = {"artifact_key": args.key, "name": args.name, "asset_type": args.asset_type}
    optional = {"version": args.version, "frame_s": args.frame_s, "manifest_id": args.manifest}
    asset = client.promote(args.checkpoint_id, body | {k: v for k, v in optional.items() if v is not None})
    print(f"{asset['manifest_tag']}  {asset['id']}  (manifest {asset['manifest_id']}, processing)")
    return 0


def references(client: Client, project_id: str, scene_index: int, target: str) -> int:
    pack = client.references(project_id, scene_index, target)
    chosen = pack["references"]
    print(f"scene {pack['scene_index']} for the {pack['target']} model: {len(chosen)} of {pack['limit']}")
    rows: list[tuple[Any, ...]] = [("#", "HANDLE", "NAME", "ROLE", "IMAGE OF", "WHY")]
    for n, ref in enumerate(chosen, start=1):
        rows.append((n, ref["handle"], ref["name"], ref["role"], ref["manifest_tag"], ref["why"]))
    table(rows)
    for left in pack["left_out"]:
        print(f"left out: {left['handle']}: {left['why']}")
    for words, handles in (("no image in the pack", pack["uncovered"]), ("names nobody", pack["unresolved"])):
        if handles:
            print(f"{words}: {', '.join(handles)}")
    print(f"prompt: {pack['prompt']}")
    return 0


def continuity(client: Client, project_id: str) -> int:
    found = client.continuity(project_id)
    counts = ", ".join(f"{n} {status}" for status, n in found["counts"].items()) or "nothing checked yet"
    print(f"project {project_id}: {counts}")
    rows = [("BRANCH", "SCENE", "STATUS", "ARTIFACT", "VERSION", "SEEN", "MISSING", "UNKNOWN", "NOTE")]
    for scene in found["scenes"]:
        for slot in ("beat", "chunk"):
            artifact = scene[slot]
            if artifact is None:
                continue
            report = artifact["report"] or {}
            seen = " ".join(f"{c['handle']}:{c['similarity']:.2f}" for c in report.get("characters", []))
            rows.append(
                (
                    scene["branch"],
                    scene["scene_index"],
                    report.get("status", "unchecked"),
                    slot,
                    artifact["version"],
                    seen or "-",
                    # unconfirmed (a face nobody could tell may be them) marked with "?"
                    " ".join([*report.get("missing", []), *(f"{h}?" for h in report.get("unsure", []))])
                    or "-",
                    report.get("unknown_faces", 0),
                    report.get("error") or "",
                )
            )
    table(rows)
    return 0
