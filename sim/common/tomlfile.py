"""Reading a TOML file (scenarios, pattern files) with one-line errors that name the file."""

from __future__ import annotations

import tomllib
from pathlib import Path


def read_toml(path: Path, error: type[Exception]) -> dict:
    """The file's tables; `error("FILE: what is wrong")` when it is missing, not text or not TOML."""
    where = str(path)
    if not path.is_file():
        raise error(f"{where}: file not found")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise error(f"{where}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where}: not valid TOML: {exc}") from None
