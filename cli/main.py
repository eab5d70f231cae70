"""`vidpipe`: build and process manifests from a terminal.

    vidpipe manifest create --name "Cast" --category CHARACTERS ./photos
    vidpipe process MANIFEST_ID --wait
    vidpipe show MANIFEST_ID
    vidpipe contact-sheet MANIFEST_ID -o sheet.png
    vidpipe search PHOTO.jpg            # where this face appears in your whole library
    vidpipe continuity PROJECT_ID       # who each generated beat and clip shows, worst first
    vidpipe generate "PROMPT" --manifest MANIFEST_ID --auto --wait --out film.mp4

The API is at $VIDPIPE_URL (default http://127.0.0.1:8080, the local stack) and the caller's
Firebase ID token is $VIDPIPE_TOKEN; --url and --token override both.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

from cli import film, library, projects
from cli.client import ApiFailure, Client
from cli.library import cast, contact_sheet, create_manifest, process, search, show
from cli.projects import continuity, promote, references

DEFAULT_URL = "http://127.0.0.1:8080"


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="vidpipe", description="Manifests of reference assets for AI video.")
    root.add_argument("--url", default=os.environ.get("VIDPIPE_URL", DEFAULT_URL), help="API base URL")
    root.add_argument("--token", default=os.environ.get("VIDPIPE_TOKEN"), help="Firebase ID token")
    commands = root.add_subparsers(dest="command", required=True)
    library.add_parsers(commands)
    projects.add_parsers(commands)
    film.add_parsers(commands)

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
        "generate": lambda: film.generate(client, args),
        "continue": lambda: film.proceed(client, args.checkpoint_id),
        "stop": lambda: film.stop(client, args.project_id),
    }
    try:
        return commands[args.command]()
    except ApiFailure as exc:
        print(f"vidpipe: {exc}", file=sys.stderr)
        return 1


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
            print(attempt["said"], flush=True)  # the server's words (one home for them)
        shown = len(job["repair_attempts"])
        if job["status"] in ("DONE", "ERROR"):
            break
        time.sleep(args.interval)
    if job["status"] == "ERROR":
        print(f"ERROR: {job['error']}", file=sys.stderr)
        return 1
    result = job["result"]
    print(result["said"], file=sys.stderr)
    return 0 if result["repaired"] else 2


if __name__ == "__main__":
    sys.exit(main())
