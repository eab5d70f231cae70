"""`vidpipe`: build and process manifests from a terminal.

    vidpipe manifest create --name "Cast" --category CHARACTERS ./photos
    vidpipe process MANIFEST_ID --wait
    vidpipe show MANIFEST_ID
    vidpipe contact-sheet MANIFEST_ID -o sheet.png
    vidpipe search PHOTO.jpg            # where this face appears in your whole library
    vidpipe continuity PROJECT_ID       # who each generated beat and clip shows, worst first

The API is at $VIDPIPE_URL (default http://127.0.0.1:8080, the local stack) and the caller's
Firebase ID token is $VIDPIPE_TOKEN; --url and --token override both.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from cli.client import ApiFailure, Client

DEFAULT_URL = "http://127.0.0.1:8080"


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="vidpipe", description="Manifests of reference assets for AI video.")
    root.add_argument("--url", default=os.environ.get("VIDPIPE_URL", DEFAULT_URL), help="API base URL")
    root.add_argument("--token", default=os.environ.get("VIDPIPE_TOKEN"), help="Firebase ID token")
    commands = root.add_subparsers(dest="command", required=True)

    manifest = commands.add_parser("manifest", help="manifests").add_subparsers(dest="action", required=True)
    create = manifest.add_parser("create", help="create a manifest with one asset per image in DIR")
    create.add_argument("--name", required=True)
    # Categories and asset types are the server's to name: it refuses others, saying which it takes.
    create.add_argument("--category", required=True, help="the manifest's category, e.g. CHARACTERS")
    create.add_argument(
        "--type", dest="asset_type", help="asset type of every image (default: the one the category suggests)"
    )
    create.add_argument("directory", type=Path)

    process = commands.add_parser("process", help="process a manifest on the GPU service")
    process.add_argument("manifest_id")
    process.add_argument("--wait", action="store_true", help="show live progress until the run ends")
    process.add_argument("--interval", type=float, default=1.0, help=argparse.SUPPRESS)

    show = commands.add_parser("show", help="a table of a manifest's assets and tags")
    show.add_argument("manifest_id")

    cast = commands.add_parser("cast", help="who is who in a manifest: one line per character")
    cast.add_argument("manifest_id")
    sheet = commands.add_parser("contact-sheet", help="download a manifest's contact sheet")
    sheet.add_argument("manifest_id")
    sheet.add_argument("-o", "--output", type=Path, default=Path("contact_sheet.png"))

    search = commands.add_parser("search", help="find a face of IMAGE across all your manifests")
    search.add_argument("image", type=Path)
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--min-similarity", type=float, help="default: the face model's match threshold")

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

    repair = commands.add_parser(
        "repair", help="regenerate a beat or clip with its references until its continuity check holds"
    )
    repair.add_argument("checkpoint_id")
    repair.add_argument("artifact_key", help="the beat's or chunk's index")
    repair.add_argument("--max-attempts", type=int, help="1 to 4 (default: the server's, 3)")
    repair.add_argument("--wait", action="store_true", help="a line per attempt until the repair ends")
    repair.add_argument("--interval", type=float, default=1.0, help=argparse.SUPPRESS)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    client = Client(args.url, args.token)
    commands: dict[str, Callable[[], int]] = {
        "manifest": lambda: create_manifest(client, args),
        "process": lambda: process(client, args.manifest_id, wait=args.wait, interval=args.interval),
        "show": lambda: show(client, args.manifest_id),
        "cast": lambda: cast(client, args.manifest_id),
        "promote": lambda: promote(client, args),
        "search": lambda: search(client, args),
        "continuity": lambda: continuity(client, args.project_id),
        "references": lambda: references(client, args.project_id, args.scene_index, args.target),
        "repair": lambda: repair(client, args),
        "contact-sheet": lambda: contact_sheet(client, args.manifest_id, args.output),
    }
    try:
        return commands[args.command]()
    except ApiFailure as exc:
        print(f"vidpipe: {exc}", file=sys.stderr)
        return 1


def create_manifest(client: Client, args: argparse.Namespace) -> int:
    directory: Path = args.directory
    if not directory.is_dir():
        raise ApiFailure(f"{directory} is not a directory")
    images = sorted(p for p in directory.iterdir() if p.is_file() and client.image_type(p))
    if not images:
        raise ApiFailure(f"no {client.image_types_in_words()} images in {directory}")
    manifest = client.create_manifest(args.name, args.category)  # a category it does not know: its 422
    asset_type = args.asset_type or client.rules["category_asset_types"][manifest["category"]]
    with tqdm(
        total=sum(p.stat().st_size for p in images), unit="B", unit_scale=True, desc="uploading"
    ) as bar:
        for order, path in enumerate(images):
            asset = client.create_asset(manifest["id"], path.stem, asset_type, order)
            client.upload(asset["id"], path)
            bar.update(path.stat().st_size)
    print(manifest["id"])
    return 0


def process(client: Client, manifest_id: str, *, wait: bool, interval: float) -> int:
    started = client.process(manifest_id)
    print(f"processing {manifest_id} (task {started['task_id']})", file=sys.stderr)
    if not wait:
        return 0
    bars: dict[str, tqdm] = {}
    try:
        while True:
            progress = client.progress(manifest_id)
            for step in client.rules["steps"]:  # the order the run goes through them
                counts = progress["progress"].get(step)
                if counts is None:
                    continue
                bar = bars.get(step) or bars.setdefault(
                    step, tqdm(total=counts["total"], desc=step, unit="item")
                )
                bar.total = counts["total"]
                bar.n = counts["done"]
                if counts["failed"]:
                    bar.set_postfix(failed=counts["failed"])
                bar.refresh()
            if progress["status"] != "PROCESSING":
                break
            time.sleep(interval)
    finally:
        for bar in bars.values():
            bar.close()
    if progress["status"] == "READY":
        print(f"READY: cost ${progress['total_processing_cost']:.4f}", file=sys.stderr)
        return 0
    print(f"{progress['status']}: {progress.get('error')}", file=sys.stderr)
    return 1


def show(client: Client, manifest_id: str) -> int:
    manifest = client.manifest(manifest_id)
    print(f"{manifest['name']}  [{manifest['status']}]  {manifest['asset_count']} assets")
    # PERSON: the handle of the character an asset shows (`vidpipe cast` lists them).
    handle = {m["character_id"]: m["handle"] for m in manifest.get("cast", [])}
    rows = [("TAG", "TYPE", "NAME", "SOURCE", "QUALITY", "PERSON", "NOTE")]
    for asset in sorted(manifest["assets"], key=lambda a: (a["asset_type"], a["manifest_tag"])):
        quality = "" if asset["quality_score"] is None else f"{asset['quality_score']:.2f}"
        person = handle.get(asset.get("character_id") or "", "")
        rows.append(
            (
                asset["manifest_tag"],
                asset["asset_type"],
                asset["name"],
                asset["source"],
                quality,
                person,
                _note(asset),
            )
        )
    _table(rows)
    return 0


def cast(client: Client, manifest_id: str) -> int:
    manifest = client.manifest(manifest_id)
    tags = {a["id"]: a["manifest_tag"] for a in manifest["assets"]}
    print(f"{manifest['name']}  {len(manifest['cast'])} characters")
    rows = [("HANDLE", "NAME", "UPLOADS", "CROPS", "FACES", "VIEWS", "BEST REFERENCE")]
    for member in manifest["cast"]:
        counts = member["counts"]
        rows.append(
            (
                member["handle"],
                member["name"],
                counts["uploads"],
                counts["person_crops"],
                counts["faces"],
                counts["views"],
                tags.get(member["best_reference_asset_id"], ""),
            )
        )
    _table(rows)
    return 0


def promote(client: Client, args: argparse.Namespace) -> int:
    body = {"artifact_key": args.key, "name": args.name, "asset_type": args.asset_type}
    optional = {"version": args.version, "frame_s": args.frame_s, "manifest_id": args.manifest}
    asset = client.promote(args.checkpoint_id, body | {k: v for k, v in optional.items() if v is not None})
    print(f"{asset['manifest_tag']}  {asset['id']}  (manifest {asset['manifest_id']}, processing)")
    return 0


def search(client: Client, args: argparse.Namespace) -> int:
    path: Path = args.image
    if not path.is_file() or not client.image_type(path):
        raise ApiFailure(f"{path} is not a {client.image_types_in_words()} file")
    found = client.search_faces(path, args.limit, args.min_similarity)
    if not found["matches"]:
        print(f"no face in your library reaches similarity {found['min_similarity']:.2f}", file=sys.stderr)
        return 0
    rows = [("SIMILARITY", "MANIFEST", "TAG", "NAME", "ASSET")]
    rows += [
        (f"{m['similarity']:.3f}", m["manifest_name"], m["manifest_tag"], m["name"], m["asset_id"])
        for m in found["matches"]
    ]
    _table(rows)
    return 0


def references(client: Client, project_id: str, scene_index: int, target: str) -> int:
    pack = client.references(project_id, scene_index, target)
    chosen = pack["references"]
    print(f"scene {pack['scene_index']} for the {pack['target']} model: {len(chosen)} of {pack['limit']}")
    rows: list[tuple[Any, ...]] = [("#", "HANDLE", "NAME", "ROLE", "IMAGE OF", "WHY")]
    for n, ref in enumerate(chosen, start=1):
        rows.append((n, ref["handle"], ref["name"], ref["role"], ref["manifest_tag"], ref["why"]))
    _table(rows)
    for left in pack["left_out"]:
        print(f"left out: {left['handle']}: {left['why']}")
    for words, handles in (("no image in the pack", pack["uncovered"]), ("names nobody", pack["unresolved"])):
        if handles:
            print(f"{words}: {', '.join(handles)}")
    print(f"prompt: {pack['prompt']}")
    return 0


def repair(client: Client, args: argparse.Namespace) -> int:
    started = client.repair(args.checkpoint_id, args.artifact_key, args.max_attempts)
    print(
        f"repairing {args.artifact_key} of {args.checkpoint_id} (task {started['task_id']})", file=sys.stderr
    )
    if not args.wait:
        return 0
    shown = 0
    while True:
        job = client.job(started["task_id"])
        for attempt in job["repair_attempts"][shown:]:
            print(_attempt_line(attempt), flush=True)
        shown = len(job["repair_attempts"])
        if job["status"] in ("DONE", "ERROR"):
            break
        time.sleep(args.interval)
    if job["status"] == "ERROR":
        print(f"ERROR: {job['error']}", file=sys.stderr)
        return 1
    result = job["result"]
    held = result["repaired"]
    verdict = "repaired" if held else "not repaired"
    print(
        f"{verdict}: {result['outcome']} after {result['attempts']} attempt(s); best is version "
        f"{result['best_version']}",
        file=sys.stderr,
    )
    return 0 if held else 2


def _attempt_line(attempt: dict[str, Any]) -> str:
    problems = [
        *(f"missing {h}" for h in attempt["missing"]),
        *(f"unsure {h}" for h in attempt["unsure"]),
        *(f"unexpected {h}" for h in attempt["unexpected"]),
    ]
    if attempt["unknown_faces"]:
        problems.append(f"{attempt['unknown_faces']} unknown face(s)")
    told = f" | asked: {attempt['steer']}" if attempt["steer"] else ""
    found = f" ({', '.join(problems)})" if problems else ""
    made_with = ", ".join(attempt["references"]) or "no references"
    return (
        f"attempt {attempt['attempt']}: version {attempt['version']} {attempt['status']}{found} "
        f"with {made_with}, ${attempt['cost']:.4f}{told}"
    )


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
    _table(rows)
    return 0


def _table(rows: Sequence[tuple[Any, ...]]) -> None:
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _note(asset: dict[str, Any]) -> str:
    notes = []
    if asset["duplicate_of"]:
        notes.append("duplicate face")
    if asset.get("identity_note"):
        notes.append(f"not identified: {asset['identity_note']}")
    if asset["processing_error"]:
        notes.append(str(asset["processing_error"]["message"]))
    warnings = [c["code"] for c in asset.get("quality_checks") or [] if c["severity"] == "warning"]
    if warnings:
        notes.append("warnings: " + ", ".join(warnings))
    return "; ".join(notes)


def contact_sheet(client: Client, manifest_id: str, output: Path) -> int:
    url = client.manifest(manifest_id).get("contact_sheet_url")
    if not url:
        raise ApiFailure("this manifest has no contact sheet yet; process it first")
    output.write_bytes(client.download(url))
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
