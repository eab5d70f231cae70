"""Making a film from a terminal: `vidpipe generate` starts a project's built-in run, follows its
phases a line each and saves the cut; `vidpipe continue` approves a checkpoint; `vidpipe stop` ends
a run."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from cli.client import Client

ENDED = ("complete", "failed", "stopped")
WAITING = 3  # the exit status of a run that waits for approval at a checkpoint


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    generate = commands.add_parser("generate", help="make a film from a prompt with a manifest's cast")
    generate.add_argument("prompt")
    generate.add_argument("--manifest", help="the manifest whose cast the film uses")
    generate.add_argument("--auto", action="store_true", help="go on at each checkpoint without approval")
    generate.add_argument("--seconds", type=int, help="the film's length (default: the server's, 24)")
    generate.add_argument("--budget", type=float, help="dollars the run may spend (default: the server's)")
    generate.add_argument("--style")
    generate.add_argument("--title")
    generate.add_argument("--wait", action="store_true", help="a line per phase until the run ends or waits")
    generate.add_argument("--out", type=Path, help="with --wait: save the film here")
    generate.add_argument("--interval", type=float, default=1.0, help=argparse.SUPPRESS)

    proceed = commands.add_parser("continue", help="approve a checkpoint: its project's run goes on")
    proceed.add_argument("checkpoint_id")

    stop = commands.add_parser("stop", help="stop a project's run")
    stop.add_argument("project_id")


def generate(client: Client, args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"prompt": args.prompt, "pipeline": "built_in", "auto_continue": args.auto}
    optional = {
        "manifest_id": args.manifest,
        "target_duration_s": args.seconds,
        "budget": args.budget,
        "style": args.style,
        "title": args.title,
    }
    project = client.call(
        "POST", "/api/generate", json=body | {k: v for k, v in optional.items() if v is not None}
    )
    print(project["project_id"])
    if not args.wait:
        return 0
    return follow(client, project["project_id"], args.out, args.interval)


def follow(client: Client, project_id: str, out: Path | None, interval: float) -> int:
    """A line per phase as it changes, until the run ends or waits at a checkpoint."""
    said: dict[int, str] = {}
    while True:
        project = client.call("GET", f"/api/projects/{project_id}")
        for phase in project["phases"]:
            line = f"{phase['name']}: {phase['status']} {phase['done']}/{phase['total']} ${phase['cost']:.4f}"
            if phase["status"] != "pending" and said.get(phase["phase"]) != line:
                print(line, file=sys.stderr, flush=True)
                said[phase["phase"]] = line
        if project["status"] in ENDED:
            break
        if project["status"] == "pending":
            checkpoint = client.call("GET", f"/api/projects/{project_id}/checkpoints")[-1]
            if checkpoint["ready"]:
                print(
                    f"waiting for approval at checkpoint {checkpoint['checkpoint_id']} (phase "
                    f"{checkpoint['phase']}): vidpipe continue {checkpoint['checkpoint_id']}",
                    file=sys.stderr,
                )
                return WAITING
        time.sleep(interval)
    if project["status"] != "complete":
        print(f"{project['status'].upper()}: {project['error']}", file=sys.stderr)
        return 1
    print(f"the film: {project['duration_s']:.1f} s, ${project['spent']:.4f} spent", file=sys.stderr)
    if out is not None:
        out.write_bytes(client.download(project["final_video_url"]))
        print(f"saved {out}", file=sys.stderr)
    return 0


def proceed(client: Client, checkpoint_id: str) -> int:
    went = client.call("POST", f"/api/checkpoints/{checkpoint_id}/continue")
    print(f"continued on branch {went['branch']}", file=sys.stderr)
    return 0


def stop(client: Client, project_id: str) -> int:
    project = client.call("POST", f"/api/projects/{project_id}/stop")
    print(f"{project['status']}: {project['error']}", file=sys.stderr)
    return 0
