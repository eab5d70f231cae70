"""The sweep against the running local stack (`make run`): `python -m devstack.sweep [--apply]`.

Without --apply it is the dry run: it prints what the nightly job would remove, as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from devstack.__main__ import ENV_FILE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apply", action="store_true", help="remove what it finds (default: only list it)")
    args = parser.parse_args()
    if not ENV_FILE.exists():
        sys.exit("no local stack is running here: start it with `make run`")
    os.environ.update(json.loads(ENV_FILE.read_text()))
    from common.maintenance import sweep

    print(json.dumps(sweep.run(dry_run=not args.apply), indent=2, default=str))


if __name__ == "__main__":
    main()
