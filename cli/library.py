"""The library's commands: a manifest made from a folder of images, processed (with live progress),
shown as a table, its cast, its contact sheet; a face searched across every manifest."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from cli.client import ApiFailure, Client
from cli.tables import table


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The library's subcommands, on the root parser's `commands`."""
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
    table(rows)
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
    table(rows)
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
    table(rows)
    return 0


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
