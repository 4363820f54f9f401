"""Build a folder once per cache, atomically, while other processes may want the same folder.

Model conversion and backend export both cost tens of seconds and are asked
for by service workers, tests and the CLI at the same time: a file lock lets
one process build while the others wait, and the folder appears through a
single `os.replace`, so no reader ever sees a half-written model, even after
a crash (leftover partial folders are removed by the next lock holder).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

LOCK_TIMEOUT_S = 900.0  # a build takes well under a minute; waiting longer means a stuck holder


def build_once(final: Path, is_complete: Callable[[], bool], build: Callable[[Path], object], what: str) -> Path:
    """`final` when `is_complete()`, else `build(partial)` under the lock and publish it as `final`."""
    from filelock import FileLock, Timeout

    if is_complete():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(final) + ".lock")
    try:
        lock.acquire(timeout=LOCK_TIMEOUT_S)
    except Timeout as exc:
        # the OS drops the lock when its holder dies, so a live process is stuck
        raise RuntimeError(
            f"waited {LOCK_TIMEOUT_S:.0f}s for another process to finish {what} {final}; "
            f"look for a hung process holding {lock.lock_file}"
        ) from exc
    try:
        if is_complete():  # someone else finished while we waited
            return final
        prefix = f".{final.name}.partial-"
        for stale in final.parent.glob(f"{prefix}*"):  # only lock holders make these: crashed runs
            shutil.rmtree(stale, ignore_errors=True)
        partial = Path(tempfile.mkdtemp(prefix=prefix, dir=final.parent))
        try:
            build(partial)
            if final.exists():
                # os.replace cannot overwrite a non-empty directory: move the old one aside first
                trash = Path(tempfile.mkdtemp(prefix=prefix, dir=final.parent))
                os.replace(final, trash / "old")
                shutil.rmtree(trash, ignore_errors=True)
            os.replace(partial, final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return final
    finally:
        lock.release()
