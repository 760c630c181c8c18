"""Run the Python blocks of reStructuredText pages and check (or rewrite) their shown output.

Each ``.. code-block:: python`` runs in one namespace per page, in page order; when the
next block is a ``.. code-block:: text``, it must equal what the Python block printed;
decimal numbers may differ within a relative 1e-6 (a trained network's float32 arithmetic
differs in the last digits between CPUs and their kernels).

    python tools/doc_snippets.py check docs/user_guide/*.rst
    python tools/doc_snippets.py update docs/user_guide/*.rst   # rewrite stale outputs
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import tempfile
from pathlib import Path

BLOCK = re.compile(r"^(\s*)\.\. code-block:: (\w+)\s*$")
DECIMAL = re.compile(r"[-+]?\d+\.\d+(?:e[-+]?\d+)?")
RTOL = 1e-6


def same_output(got: str, shown: str) -> bool:
    """Equal text, except decimal numbers within ``RTOL`` of each other."""
    if got == shown:
        return True
    a, b = DECIMAL.split(got), DECIMAL.split(shown)
    x, y = DECIMAL.findall(got), DECIMAL.findall(shown)
    if a != b or len(x) != len(y):
        return False
    return all(abs(float(u) - float(v)) <= RTOL * max(abs(float(u)), abs(float(v)), 1e-12)
               for u, v in zip(x, y, strict=True))  # fmt: skip


def blocks(lines: list[str]) -> list[tuple[int, int, str, str, int]]:
    """(start, end, language, body, indent) of every code block, in order."""
    found, i = [], 0
    while i < len(lines):
        match = BLOCK.match(lines[i])
        if not match:
            i += 1
            continue
        indent, j = len(match.group(1)), i + 1
        while j < len(lines) and (
            not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent
        ):
            j += 1
        body = [line for line in lines[i + 1 : j]]
        while body and not body[-1].strip():
            body.pop()
            j -= 1
        text = [line for line in body if line.strip()]
        pad = min((len(x) - len(x.lstrip()) for x in text), default=indent + 3)
        found.append((i, j, match.group(2), "\n".join(x[pad:] for x in body).strip("\n"), pad))
        i = j
    return found


def run(body: str, namespace: dict, where: str) -> str:
    """Execute a block; return what it printed (an exception prints as its last line)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(body, where, "exec"), namespace)  # noqa: S102 - our own docs
        except Exception as err:  # shown as the traceback's last line
            kind = type(err)
            module = "" if kind.__module__ == "builtins" else kind.__module__ + "."
            print(f"{module}{kind.__qualname__}: {err}")
    return "\n".join(line.rstrip() for line in out.getvalue().rstrip("\n").splitlines())


def process(path: Path, update: bool) -> int:
    """Check or rewrite one page; return the number of stale outputs."""
    lines = path.read_text().splitlines()
    found, namespace, stale, edits = blocks(lines), {"__name__": "__main__"}, 0, []
    for k, (start, _, lang, body, _) in enumerate(found):
        if lang != "python":
            continue
        got = run(body, namespace, f"{path}:{start + 1}")
        nxt = found[k + 1] if k + 1 < len(found) else None
        if nxt is None or nxt[2] != "text" or nxt[0] > found[k][1] + 2:
            continue
        shown = "\n".join(line.rstrip() for line in nxt[3].splitlines())
        if not same_output(got, shown):
            stale += 1
            print(f"{path}:{start + 1}: output differs\n--- page\n{shown}\n--- now\n{got}\n")
            new = [(" " * nxt[4] + x) if x else "" for x in got.splitlines()]
            edits.append((nxt[0] + 1, nxt[1], new))
    if update and edits:
        for begin, end, new in reversed(edits):
            lines[begin:end] = ["", *new]
        path.write_text("\n".join(lines) + "\n")
    return stale


def main() -> int:
    """Check or update the pages named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["check", "update"])
    parser.add_argument("pages", nargs="+", type=Path)
    args = parser.parse_args()
    pages = [p.resolve() for p in args.pages]
    stale = 0
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)  # pages may write files (models, CSVs)
        try:
            for page in pages:
                stale += process(page, args.mode == "update")
        finally:
            os.chdir(cwd)
    print(f"{len(pages)} pages, {stale} stale output block(s)")
    return 1 if stale and args.mode == "check" else 0


if __name__ == "__main__":
    sys.exit(main())
