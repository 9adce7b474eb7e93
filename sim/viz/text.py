"""Text the page can render on any machine: no emoji, and Chinese characters only where a font has them.

Without a CJK font a browser draws Chinese legal terms (the risk indicators' bases cite 入门费,
团队计酬, 情节严重) as empty boxes. The page is meant to be opened on the machine that serves it
(`weishang serve` binds 127.0.0.1), so that machine's fonts decide: with a font covering Chinese
(fontconfig's `fc-list :lang=zh`) the terms are shown as written, otherwise in pinyin. The
environment variable WEISHANG_CJK=1 or 0 overrides the check (e.g. for a browser elsewhere).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess

CJK = re.compile(r"[\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
# Emoji and pictographs: never sent (the page uses CSS shapes for lights).
EMOJI = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff\ufe0f]")
PINYIN = {"入门费": "rumenfei", "认购商品": "rengou shangpin", "团队计酬": "tuandui jichou",
          "情节严重": "qingjie yanzhong"}


@functools.cache
def cjk_font() -> bool:
    """Whether Chinese characters can be shown (a font for them here, or WEISHANG_CJK=1)."""
    forced = os.environ.get("WEISHANG_CJK")
    if forced in ("0", "1"):
        return forced == "1"
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    try:
        found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return found.returncode == 0 and bool(found.stdout.strip())


def shown(text: str, cjk: bool | None = None) -> str:
    """`text` as the page shows it: Chinese terms in pinyin unless a font has them (`cjk`, default:
    this machine's fonts), other Chinese characters and emoji left out."""
    if cjk is None:
        cjk = cjk_font()
    text = EMOJI.sub("", text)
    if cjk:
        return text
    return CJK.sub(lambda m: " ".join(PINYIN.get(w, "") for w in m.group(0).split()).strip(), text)
