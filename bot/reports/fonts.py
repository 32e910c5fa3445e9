"""Find a font that can draw Chinese for the report charts.

matplotlib's bundled DejaVu fonts have no CJK glyphs (Chinese labels come out as boxes). We look,
in order: installed system fonts by family name (Debian: `fonts-noto-cjk`, `fonts-wqy-microhei`),
then a font shipped inside a Python package (PyPI `pylopdf-fonts-zh-cn`: Noto Sans SC, SIL OFL),
and otherwise fall back to the default font with a logged warning. Every candidate is checked
with fontTools for real coverage of a few Chinese characters before it is chosen.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from fontTools.ttLib import TTCollection, TTFont, TTLibError

if TYPE_CHECKING:
    from matplotlib.font_manager import FontEntry

log = logging.getLogger(__name__)

# Simplified Chinese first (the glyph shapes Chinese readers expect), then fonts that still cover
# the common Hanzi.
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "SimHei",
    "Noto Serif CJK SC",
)

# (importable package, font file inside it): fonts that `pip install` brings along.
PACKAGED_FONTS: tuple[tuple[str, str], ...] = (("pylopdf_fonts_zh_cn", "NotoSansSC-Regular.otf"),)

# Characters a report label uses; a font must have all of them.
CJK_SAMPLE = "社群健康报告活跃成员周一"

# Latin text and digits stay in DejaVu Sans where the CJK font lacks a glyph.
_LATIN_FALLBACK = "DejaVu Sans"


@dataclass(frozen=True, slots=True)
class FontChoice:
    family: str | None  # None: no CJK font, Chinese will render as boxes
    path: str | None = None
    source: Literal["system", "package", "none"] = "none"

    @property
    def found(self) -> bool:
        return self.family is not None


def covers(path: str | Path, text: str = CJK_SAMPLE, face_index: int = 0) -> bool:
    """True if the font file maps every character of `text` to a glyph. Remembered per file
    version: reading a CJK font's character map takes ~0.2 s, and every report asks again."""
    path = str(path)
    try:
        stat = Path(path).stat()
    except OSError:
        return False
    return _covers(path, text, face_index, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _covers(path: str, text: str, face_index: int, _mtime_ns: int, _size: int) -> bool:
    try:
        if path.lower().endswith((".ttc", ".otc")):
            font = TTCollection(path, lazy=True).fonts[face_index]
        else:
            font = TTFont(path, lazy=True)
        cmap = font.getBestCmap() or {}
    # A broken or unreadable font file is just not a candidate.
    except (
        OSError,
        TTLibError,
        KeyError,
        ValueError,
        AssertionError,
        struct.error,
    ) as exc:
        log.debug("cannot read font %s: %s", path, exc)
        return False
    return all(ord(ch) in cmap for ch in text if not ch.isspace())


def _installed(family: str) -> FontEntry | None:
    from matplotlib import font_manager  # on first chart (see bot/reports/mpl.py)

    entries = [e for e in font_manager.fontManager.ttflist if e.name == family]
    # Prefer the regular weight: it is what labels use and what we check for coverage.
    entries.sort(key=lambda e: abs(int(e.weight) - 400) if str(e.weight).isdigit() else 500)
    return entries[0] if entries else None


def _register_unknown_system_fonts() -> None:
    """Fonts installed after matplotlib built its cache are invisible until added."""
    from matplotlib import font_manager

    known = {e.fname for e in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known:
            try:
                font_manager.fontManager.addfont(path)
            except (
                OSError,
                RuntimeError,
                ValueError,
            ) as exc:  # skipped, as matplotlib does
                log.debug("skipping font %s: %s", path, exc)


def _from_system() -> FontChoice | None:
    for attempt in range(2):
        for family in CJK_FAMILIES:
            entry = _installed(family)
            if entry is not None and covers(entry.fname, face_index=getattr(entry, "index", 0)):
                return FontChoice(family=family, path=entry.fname, source="system")
        if attempt == 0:
            _register_unknown_system_fonts()
    return None


def _from_packages() -> FontChoice | None:
    from matplotlib import font_manager

    for module, filename in PACKAGED_FONTS:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            path = Path(folder) / filename
            if path.is_file() and covers(path):
                font_manager.fontManager.addfont(str(path))
                family = font_manager.FontProperties(fname=str(path)).get_name()
                return FontChoice(family=family, path=str(path), source="package")
    return None


def find_cjk_font() -> FontChoice:
    """The best available font for Chinese labels; logs a warning when there is none."""
    choice = _from_system() or _from_packages()
    if choice is not None:
        log.debug(
            "CJK font for charts: %s (%s, %s)",
            choice.family,
            choice.source,
            choice.path,
        )
        return choice
    log.warning(
        "no CJK font found: Chinese chart labels will render as boxes. Install the Debian "
        "package fonts-noto-cjk or the Python package pylopdf-fonts-zh-cn."
    )
    return FontChoice(family=None)


@contextmanager
def chart_fonts(language: str, choice: FontChoice | None = None) -> Iterator[FontChoice]:
    """matplotlib settings for one chart, with a CJK font wherever one is needed.

    Chinese labels put the CJK font first. English labels keep DejaVu Sans first but still fall
    back to the CJK font glyph by glyph, because member and community names can be Chinese.
    """
    import matplotlib

    choice = choice if choice is not None else find_cjk_font()
    cjk = [choice.family] if choice.family else []
    families = [*cjk, _LATIN_FALLBACK] if language != "en" else [_LATIN_FALLBACK, *cjk]
    # The ASCII hyphen as minus sign: not every CJK font has U+2212.
    with matplotlib.rc_context({"font.family": families, "axes.unicode_minus": False}):
        yield choice
