#!/usr/bin/env python3
"""A shop's "production" setup on AWS (or the local engine), made by a script that is not
mysfits, and the proof that mysfits left it as it was.

    production.py make --endpoint URL [--kind ecs|instances] [--image URI]
        makes it; prints JSON of the ids and ARNs it made (see foreign_make.make)
    production.py snapshot --endpoint URL --load-balancer shop [--made MADE.json]
        prints JSON of every foreign resource, in a stable order (foreign_snapshot.py);
        the target groups are the ones make made: by the ARNs in MADE.json, else by the
        names make gives them
    production.py diff A.json B.json
        prints a unified diff of two snapshots; exit 1 when they differ, 0 when equal

Only the given endpoint is called, in us-east-1, with dummy credentials.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    make = verbs.add_parser("make", help="make the setup; print what was made")
    make.add_argument("--endpoint", required=True)
    make.add_argument("--kind", choices=("ecs", "instances"), default="ecs")
    make.add_argument("--image", help="the monolith's image (needed with --kind ecs)")
    snap = verbs.add_parser("snapshot", help="print every foreign resource as JSON")
    snap.add_argument("--endpoint", required=True)
    snap.add_argument("--load-balancer", required=True)
    snap.add_argument("--made", help="make's output (a file): its target groups are the ones read")
    diff = verbs.add_parser("diff", help="unified diff of two snapshots; exit 1 when they differ")
    diff.add_argument("a")
    diff.add_argument("b")
    args = parser.parse_args(argv)

    if args.verb == "diff":
        from foreign_diff import diff as diff_files
        lines = diff_files(args.a, args.b)
        for line in lines:
            print(line)
        return 1 if lines else 0
    if args.verb == "make":
        from foreign_make import make as make_setup
        out = make_setup(args.endpoint, args.kind, args.image)
    else:
        from foreign_snapshot import snapshot
        made = None
        if args.made:
            with open(args.made) as f:
                made = json.load(f)
        out = snapshot(args.endpoint, args.load_balancer, made)
    json.dump(out, sys.stdout, indent=2, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
