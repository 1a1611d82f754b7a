"""`policy doc -o SITE/`: the explorer's pages as a static site that opens from disk (no server).

The same templates as the server, linked relatively (`regles/NAME.html`); no « essayer un cas »,
which needs the engine running.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from engine import Policy
from engine.web.render import Pages

STATIC = Path(__file__).parent / "static"


def write_site(policy: Policy, out: Path) -> list[Path]:
    """Write every page under `out` (created if needed); return the files written, pages first."""
    pages = Pages(policy, static=True)
    c = policy.catalogue
    written: list[Path] = []

    def page(relative: str, html: str) -> None:
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        written.append(path)

    out.mkdir(parents=True, exist_ok=True)
    page("index.html", pages.home())
    page("hypotheses.html", pages.assumptions())
    for name in c.rules:
        page(f"regles/{name}.html", pages.rule(name))
    for name in c.parameters:
        page(f"parametres/{name}.html", pages.parameter(name))
    for name in c.facts:
        page(f"faits/{name}.html", pages.fact(name))
    (out / "static").mkdir(exist_ok=True)
    for asset in sorted(STATIC.iterdir()):
        if asset.is_file():
            written.append(Path(shutil.copy2(asset, out / "static" / asset.name)))
    return written
