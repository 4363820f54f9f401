"""The manifest records what built the index, so a mismatched model is refused, not mixed.

Vectors from two models live in different spaces; querying one with the
other returns confident nonsense. Opening an index built with another model,
dimension or chunker stops with the command that rebuilds it.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ingest.errors import IndexMismatch

FILE = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    model: str
    dimension: int
    chunker: str
    created: float = 0.0
    format: int = 1


def check_or_write(data_dir: Path, wanted: Manifest) -> Manifest:
    path = data_dir / FILE
    if path.exists():
        found = Manifest(**json.loads(path.read_text()))
        differs = [
            f"{name}: index has {getattr(found, name)!r}, this service uses {getattr(wanted, name)!r}"
            for name in ("model", "dimension", "chunker", "format")
            if getattr(found, name) != getattr(wanted, name)
        ]
        if differs:
            raise IndexMismatch(
                f"the index in {data_dir} was built differently ({'; '.join(differs)}). "
                f"Rebuild it with `vindplaats reindex --data-dir {data_dir}` or use another VINDPLAATS_DATA_DIR."
            )
        return found
    data_dir.mkdir(parents=True, exist_ok=True)
    made = Manifest(**{**asdict(wanted), "created": time.time()})
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(made), indent=2))
    tmp.replace(path)
    return made


def write(data_dir: Path, manifest: Manifest) -> None:
    path = data_dir / FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(manifest), indent=2))
    tmp.replace(path)
