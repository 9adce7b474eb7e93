"""What an error line echoes of the input: cut to a few dozen characters on one line, however large
the input is (a megabyte value, a key thousands of levels deep, a binary file's first line)."""

from __future__ import annotations

import reprlib

SHOWN = 60  # characters of a value, key or line an error message echoes
_REPR = reprlib.Repr(maxlevel=3, maxtuple=6, maxlist=6, maxarray=6, maxdict=4, maxset=6,
                     maxstring=SHOWN + 10, maxlong=SHOWN + 10, maxother=SHOWN + 10)


def cut(text: object, limit: int = SHOWN) -> str:
    """Text on one line, cut to `limit` characters with an ellipsis (for an error message)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def shown(value: object) -> str:
    """repr(value), cut: what an error line echoes of a value, however large the value is."""
    if isinstance(value, str):
        return cut(repr(value[:2 * SHOWN]))
    try:
        text = _REPR.repr(value)  # bounded work even for a huge list
    except (ValueError, RecursionError):  # an int too long to print; a value nested in itself
        text = f"<a {type(value).__name__}>"
    return cut(text)


def short_path(path: object) -> str:
    """A file named in an error line: in full unless absurdly long (then its end, with the name)."""
    text = str(path)
    return text if len(text) <= 120 else "…" + text[-119:]
