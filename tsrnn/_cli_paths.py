"""Output paths of the ``tsrnn`` command, checked before any model is fitted (stdlib only)."""

from __future__ import annotations

import os
from pathlib import Path

from tsrnn.exceptions import TsrnnError

__all__ = ["check_writable"]


def check_writable(path: str, *, folder: bool) -> None:
    """Refuse an output path that cannot be written, before any model is fitted."""
    target = Path(path).absolute()
    what = "output folder" if folder else "output file"
    if folder and target.exists() and not target.is_dir():
        raise TsrnnError(f"{what} {path!r} is a file; pass a folder to --out.")
    if not folder and target.is_dir():
        raise TsrnnError(f"{what} {path!r} is a folder; pass a file name such as forecast.csv.")
    if not folder and not target.parent.is_dir():
        raise TsrnnError(
            f"cannot write the {what} {path!r}: its folder does not exist; create it or choose "
            "another --out."
        )
    # the nearest existing folder must take new entries (a folder --out is created there)
    parent = target if target.is_dir() else target.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise TsrnnError(
            f"cannot write the {what} {path!r}: {str(parent)!r} is not a writable folder; "
            "choose another --out."
        )
    if target.is_file() and not os.access(target, os.W_OK):
        raise TsrnnError(f"cannot overwrite the {what} {path!r}: it is read-only.")
