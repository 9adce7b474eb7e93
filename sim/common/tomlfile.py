"""Reading a TOML file (scenarios, pattern files) with one-line errors that name the file, and the
checks that keep a hostile file from costing time or memory (nesting, sizes, dotted keys)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.common.text import cut

MAX_FILE_BYTES = 1_000_000  # a scenario is a few KB; the parser takes ~1 s a MB
# Python's TOML parser needs memory growing with the square of the parts of a dotted key
# (20,000 parts: 1.6 GB), so longer ones are refused before parsing.
MAX_DOTTED_PARTS = 64

_SEGMENT = r"""(?:[\w-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""
# A key starts where no word or dot is just before it (the lookbehinds keep the search linear).
_DOTTED = re.compile(rf"(?<![\w.-])(?<!\.[ \t]){_SEGMENT}"
                     rf"(?:[ \t]*+\.[ \t]*+{_SEGMENT}){{{MAX_DOTTED_PARTS},}}")


def check_tree(tree: Any, error: Callable[[str], Exception], nesting: int, items: int,
               text_chars: int) -> None:
    """Raise `error("KEY: what is wrong")` for a list or table of more than `items` items, containers
    nested `nesting` deep, or a text of more than `text_chars`: what would cost time or memory in
    the checks of each key. Iterative (no recursion however deep), len() before any walk."""
    stack: list[tuple[Any, str, int]] = [(tree, "", 0)]
    while stack:
        node, key, depth = stack.pop()
        if isinstance(node, str):
            if len(node) > text_chars:
                raise error(f"{cut(key)}: a text of {len(node):,} characters "
                            f"(allowed: at most {text_chars:,})")
            continue
        if not isinstance(node, dict | list):
            continue
        if depth >= nesting:
            raise error(f"{cut(key)}: nested more than {nesting} levels deep (allowed: at most {nesting})")
        if len(node) > items:
            kind = "table" if isinstance(node, dict) else "list"
            raise error(f"{cut(key) or 'the file'}: a {kind} of {len(node):,} items "
                        f"(allowed: at most {items})")
        children = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((child, f"{key}.{name}" if key else str(name), depth + 1) for name, child in children)


def long_dotted_key(text: str) -> bool:
    """Whether the text holds a dotted key of more parts than the parser can afford."""
    return _DOTTED.search(text) is not None


def read_toml(path: Path, error: type[Exception]) -> dict:
    """The file's tables; `error("FILE: what is wrong")` when it is missing, unreadable, too large,
    not text or not TOML. A UTF-8 byte order mark is allowed, as editors on Windows write one."""
    where = str(path)
    try:
        if not path.is_file():
            raise error(f"{where}: file not found")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise error(f"{where}: {path.stat().st_size:,} bytes (allowed: at most {MAX_FILE_BYTES:,})")
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise error(f"{where}: not a UTF-8 text file") from None
    except OSError as exc:
        raise error(f"{where}: cannot read the file ({exc.strerror or type(exc).__name__})") from None
    if long_dotted_key(text):
        raise error(f"{where}: a dotted key or table name of more than {MAX_DOTTED_PARTS} parts")
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise error(f"{where}: not valid TOML: arrays or tables nested too deep") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where}: not valid TOML: {cut(exc, 100)}") from None
    except ValueError:  # Python refuses to read an integer that long
        raise error(f"{where}: not valid TOML: an integer of more than 4,300 digits") from None
