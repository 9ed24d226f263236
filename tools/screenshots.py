"""Every page as an officer sees it, and the README's images: `make screenshots`.

Starts the dashboard as `make run` does, on a copy of the built-in sample in a temporary folder, and opens every page
in Debian's Chromium, in Chinese and in English, at 1280x720, at 1920x1080 and whole. The images go to screenshots/
(git-ignored), to be looked at; those the README shows are copied to docs/screenshots/. The meeting deck's slides
are drawn by LibreOffice when it is installed (Debian's libreoffice-impress and poppler-utils), else left as they are.

    .venv/bin/python tools/screenshots.py [--out screenshots] [--pages overview city …] [--no-readme]
                                          [--db postgresql://…]

With --db, the pages of that database instead (a PostgreSQL one, say; it is left as it is).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.browser import DRAWN, chromium, streamlit_server  # noqa: E402
from metrics.domain.i18n import LANGS  # noqa: E402
from metrics.store.creation import initialise  # noqa: E402
from ui.nav import DEFAULT, PAGES  # noqa: E402

# The README's images: (page, language) -> file in docs/screenshots/.
README = {("overview", "zh"): "overview-zh.png", ("city", "en"): "city-en.png", ("compare", "zh"): "compare-zh.png",
          ("map", "en"): "map-en.png", ("completeness", "zh"): "completeness-zh.png",
          ("present", "zh"): "present-zh.png", ("assessment", "en"): "assessment-en.png"}  # fmt: skip
DECK_SLIDES = (1, 4, 14, 16, 18, 20)  # the deck picture: title, a trend, a city, a comparison, the index, the table
SIZES = ((1280, 720), (1920, 1080))


def _settle(page, selector: str, sidebar: bool) -> None:
    if sidebar:
        page.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
    page.wait_for_selector(selector, timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(1000)  # the last charts finish drawing


def shoot_pages(url: str, out: Path, names: list[str]) -> list[Path]:
    """Every page named, in both languages, at each size and whole; returns the files written."""
    written = []
    with chromium() as browser:
        for name in names:
            for lang in LANGS:
                page = browser.new_page(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
                path = "" if name == DEFAULT else name
                page.goto(f"{url}/{path}?lang={lang}")
                _settle(page, DRAWN[name], sidebar=name != "present")
                for width, height in SIZES:
                    page.set_viewport_size({"width": width, "height": height})
                    page.wait_for_timeout(800)
                    written.append(out / f"{name}-{lang}-{width}x{height}.png")
                    page.screenshot(path=written[-1])
                # The whole page: Streamlit scrolls inside its main area, so the viewport grows to fit it.
                height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
                page.set_viewport_size({"width": SIZES[1][0], "height": min(int(height) + 40, 12000)})
                page.wait_for_timeout(800)
                written.append(out / f"{name}-{lang}-full.png")
                page.screenshot(path=written[-1])
                page.close()
                print(f"  {name} ({lang})", flush=True)
    return written


def shoot_deck(db: Path | str, out: Path) -> Path | None:
    """The Chinese deck for two cities, its chosen slides drawn by LibreOffice and laid out two by three; None when
    LibreOffice or pdftoppm is not installed."""
    office, pdftoppm = shutil.which("libreoffice") or shutil.which("soffice"), shutil.which("pdftoppm")
    if not office or not pdftoppm:
        print("  the deck: skipped (install libreoffice-impress and poppler-utils to draw it)", flush=True)
        return None
    from PIL import Image  # Streamlit's own dependency

    deck = out / "deck-zh.pptx"
    command = [sys.executable, "-m", "metrics", "deck", "--out", str(deck), "--lang", "zh", "--db", str(db),
               "--city", "440100", "330100"]  # fmt: skip
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(out), str(deck)], check=True,
                   capture_output=True)  # fmt: skip
    subprocess.run([pdftoppm, "-png", "-r", "60", str(deck.with_suffix(".pdf")), str(out / "slide")], check=True)
    slides = sorted(out.glob("slide-*.png"))
    chosen = [Image.open(slides[n - 1]) for n in DECK_SLIDES if n <= len(slides)]
    width, height = chosen[0].size
    gap = 12
    sheet = Image.new("RGB", (2 * width + 3 * gap, 3 * height + 4 * gap), (208, 212, 220))
    for i, slide in enumerate(chosen):
        sheet.paste(slide, (gap + (i % 2) * (width + gap), gap + (i // 2) * (height + gap)))
    target = out / "deck-slides-zh.png"
    sheet.save(target)
    print("  the deck", flush=True)
    return target


def main(argv: list[str] | None = None) -> int:
    """Take the screenshots (and, unless --no-readme, refresh the README's)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots", help="folder for every screenshot")
    parser.add_argument("--pages", nargs="+", default=[p.url for p in PAGES], help="pages by address")
    parser.add_argument("--no-readme", action="store_true", help="leave docs/screenshots/ as it is")
    parser.add_argument("--db", help="the database to show (default: a fresh copy of the built-in sample)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pilot-shots-") as tmp:
        db: Path | str = args.db or Path(tmp) / "pilot.duckdb"
        if not args.db:
            initialise(db).close()
        with streamlit_server(db) as url:
            print(f"Screenshots of {url} into {args.out}:", flush=True)
            shoot_pages(url, args.out, args.pages)
        deck = shoot_deck(db, args.out)
    if not args.no_readme:
        docs = ROOT / "docs" / "screenshots"
        for (name, lang), file in README.items():
            shot = args.out / f"{name}-{lang}-1280x720.png"
            if shot.exists():
                shutil.copyfile(shot, docs / file)
        if deck is not None:
            shutil.copyfile(deck, docs / deck.name)
        print(f"The README's images are in {docs}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
