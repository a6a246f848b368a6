"""A unified diff of two snapshots, one line per value with its whole path, so that every
changed line names what changed (``listeners/HTTP:80/Rules/<id>/Priority = "15"``)
whatever the surrounding lines are."""

from __future__ import annotations

import difflib
import json
from typing import Any


def flatten(value: Any, path: str = "") -> list[str]:
    if isinstance(value, dict) and value:
        return [line for key in sorted(value) for line in flatten(value[key], f"{path}/{key}" if path else key)]
    if isinstance(value, list) and value:
        return [line for n, item in enumerate(value) for line in flatten(item, f"{path}[{n}]")]
    return [f"{path} = {json.dumps(value, sort_keys=True)}"]


def diff(a_path: str, b_path: str) -> list[str]:
    with open(a_path) as a, open(b_path) as b:
        before, after = flatten(json.load(a)), flatten(json.load(b))
    return list(difflib.unified_diff(before, after, a_path, b_path, lineterm=""))
