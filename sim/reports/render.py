"""The shared renderer of the reports: one list of blocks, written as Markdown and as HTML.

A report (batch, exploration, pyramid risk) is built once as a list of blocks and rendered
twice, so that report.md and report.html say the same thing. Blocks: (h1|h2|h3|p|code, text),
(list, items), (table, header, rows, first numeric column or None), (figure, file, title, caption).
The HTML is one self-contained file: styles inline, figures as base64 data URIs.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np

from sim.common.files import write_text

CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.85em}th,td{border:1px solid #ccc;padding:3px 7px}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
pre{background:#f6f6f6;padding:.7em;overflow-x:auto;white-space:pre-wrap}
figure{margin:1.5em 0}img{max-width:100%}figcaption{font-size:.9em;color:#444}"""


def fmt(x: float) -> str:
    """Three significant figures, thousands separated: 0.829, 4.25, -9,665."""
    if not np.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def to_markdown(blocks: list[tuple], figures: str = "figures") -> str:
    """The blocks as Markdown; figures are linked as FIGURES/NAME."""
    out = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            out.append("#" * int(kind[1]) + " " + block[1])
        elif kind == "p":
            out.append(block[1])
        elif kind == "code":
            out.append(f"```sh\n{block[1]}\n```")
        elif kind == "list":
            out.append("\n".join(f"- {item}" for item in block[1]))
        elif kind == "table":
            _, header, rows, numeric = block
            align = ["---:" if numeric is not None and i >= numeric else "---" for i in range(len(header))]
            lines = [header, align, *rows]
            out.append("\n".join("| " + " | ".join(_md_cell(c) for c in line) + " |" for line in lines))
        elif kind == "figure":
            _, name, title, caption = block
            out.append(f"![{title}]({figures}/{name})\n\n*{caption}*")
    return "\n\n".join(out) + "\n"


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_html(blocks: list[tuple], title: str, figures_dir: Path) -> str:
    """One file: styles inline, figures as base64 data URIs, no external resources."""
    esc = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"]
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3", "p"):
            tag = kind
            out.append(f"<{tag}>{esc(block[1])}</{tag}>")
        elif kind == "code":
            out.append(f"<pre><code>{esc(block[1])}</code></pre>")
        elif kind == "list":
            out.append("<ul>" + "".join(f"<li>{esc(item)}</li>" for item in block[1]) + "</ul>")
        elif kind == "table":
            _, header, rows, numeric = block
            head = "".join(f"<th>{esc(h)}</th>" for h in header)
            body = "".join("<tr>" + "".join(
                f'<td class="n">{esc(str(c))}</td>' if numeric is not None and i >= numeric
                else f"<td>{esc(str(c))}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows)
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif kind == "figure":
            _, name, alt, caption = block
            data = base64.b64encode((figures_dir / name).read_bytes()).decode("ascii")
            out.append(f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}">'
                       f"<figcaption>{esc(caption)}</figcaption></figure>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_pages(folder: Path, stem: str, blocks: list[tuple], figures: str = "figures") -> Path:
    """Write STEM.md and STEM.html (titled by the first block) into `folder`, atomically; the
    figures are read from `folder/figures`. Returns the HTML path."""
    html_path = folder / f"{stem}.html"
    write_text(folder / f"{stem}.md", to_markdown(blocks, figures))
    write_text(html_path, to_html(blocks, blocks[0][1], folder / figures))
    return html_path
