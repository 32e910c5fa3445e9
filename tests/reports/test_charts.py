from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection, TTFont
from matplotlib.image import imread

from bot.reports import charts, fonts
from bot.reports.charts import (
    activity_chart,
    heatmap_chart,
    render_charts,
    score_chart,
    tier_pyramid_chart,
)
from bot.reports.fonts import find_cjk_font
from bot.reports.mpl import new_figure
from bot.reports.score import build_report

from . import WEEK_START, make_empty, make_metrics

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CHINESE = "社群活跃成员周一层级"


def font_has_glyphs(path: str, text: str) -> bool:
    """Independent check with fontTools: some face of the file maps every character."""
    if path.lower().endswith((".ttc", ".otc")):
        faces = TTCollection(path, lazy=True).fonts
    else:
        faces = [TTFont(path, lazy=True)]
    return any(all(ord(ch) in (face.getBestCmap() or {}) for ch in text) for face in faces)


def missing_glyphs(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


@pytest.fixture(scope="module")
def cjk_font():
    choice = find_cjk_font()
    if not choice.found:
        pytest.fail(
            "no CJK font on this machine: install it with `apt-get install -y fonts-noto-cjk` "
            "or `pip install pylopdf-fonts-zh-cn`"
        )
    return choice


@pytest.fixture(scope="module")
def report_zh():
    previous = make_metrics(
        start=WEEK_START - timedelta(days=7),
        messages_per_day=(250, 260, 300, 280, 300, 400, 380),
        dau_per_day=(30, 30, 31, 35, 36, 40, 39),
    )
    return build_report(make_metrics(), previous, language="zh")


def assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_MAGIC
    height, width, _ = imread(path).shape
    assert width > 300 and height > 150


def test_the_chosen_font_really_has_chinese_glyphs(cjk_font):
    assert cjk_font.path is not None
    assert font_has_glyphs(cjk_font.path, CHINESE), f"{cjk_font.family} lacks Chinese glyphs"


@pytest.mark.parametrize(
    "draw",
    [activity_chart, heatmap_chart, tier_pyramid_chart, score_chart],
    ids=lambda f: f.__name__,
)
def test_chinese_charts_are_pngs_drawn_without_missing_glyphs(draw, report_zh, cjk_font, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = draw(report_zh, "zh", tmp_path / "chart.png", cjk_font)

    assert path == tmp_path / "chart.png"
    assert_png(path)
    assert missing_glyphs(caught) == []


def test_english_charts_still_draw_chinese_member_and_community_names(cjk_font, tmp_path):
    report = build_report(make_metrics(community="Python 学习群"), language="en")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts = render_charts(report, "en", tmp_path, cjk_font)

    assert set(charts) == {"activity", "heatmap", "tiers", "score"}
    assert missing_glyphs(caught) == []


def test_render_charts_makes_each_chart_that_has_data(report_zh, cjk_font, tmp_path):
    charts = render_charts(report_zh, "zh", tmp_path / "out", cjk_font)

    assert set(charts) == {"activity", "heatmap", "tiers", "score"}
    for path in charts.values():
        assert_png(path)


def test_an_empty_report_makes_no_charts_but_a_direct_call_draws_no_data(cjk_font, tmp_path):
    report = build_report(make_empty(), language="zh")

    assert render_charts(report, "zh", tmp_path, cjk_font) == {}
    assert_png(heatmap_chart(report, "zh", tmp_path / "empty.png", cjk_font))


def test_without_any_cjk_font_charts_fall_back_and_warn(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ())
    monkeypatch.setattr(fonts, "PACKAGED_FONTS", ())

    with caplog.at_level(logging.WARNING, logger="bot.reports.fonts"):
        choice = find_cjk_font()
    assert not choice.found
    assert "fonts-noto-cjk" in caplog.text

    report = build_report(make_metrics(), language="zh")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # boxes instead of Hanzi: expected here
        assert_png(tier_pyramid_chart(report, "zh", tmp_path / "boxes.png", choice))


def test_a_font_shipped_in_a_python_package_is_used_when_the_system_has_none(
    monkeypatch,
):
    pytest.importorskip("pylopdf_fonts_zh_cn")
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ())

    choice = find_cjk_font()

    assert choice.source == "package"
    assert font_has_glyphs(choice.path, CHINESE)


def test_a_font_file_replaced_since_it_was_checked_is_checked_again(cjk_font, tmp_path):
    # each report asks which font to use; the answer about a file is remembered only while
    # the file is the same (a font swapped for one without Hanzi is no longer chosen)
    font = tmp_path / f"font{Path(cjk_font.path).suffix}"  # a system font may be a .ttc
    font.write_bytes(Path(cjk_font.path).read_bytes())
    assert fonts.covers(font)
    assert fonts.covers(font)
    font.write_bytes(b"not a font any more")
    assert not fonts.covers(font)
    font.unlink()
    assert not fonts.covers(font)


def _pixels(path: Path):
    return imread(path)[..., :3].mean(axis=2)


def _close_to_tight(ours: Path, tight: Path) -> None:
    """The same picture as `bbox_inches="tight"` gives, within a pixel of where it crops."""
    a, b = _pixels(ours), _pixels(tight)
    assert abs(a.shape[0] - b.shape[0]) <= 1 and abs(a.shape[1] - b.shape[1]) <= 1
    h, w = min(a.shape[0], b.shape[0]) - 2, min(a.shape[1], b.shape[1]) - 2
    best = min(
        float(abs(a[1 : 1 + h, 1 : 1 + w] - b[dy : dy + h, dx : dx + w]).mean())
        for dy in range(3)
        for dx in range(3)
    )
    assert best < 0.03, f"{ours.name} differs from the tight crop by {best:.3f} on average"


def _tight_save(fig, path):  # noqa: ANN001, ANN202 - what _save replaces, for comparison
    fig.savefig(path, format="png", dpi=charts._DPI, bbox_inches="tight")
    return Path(path)


@pytest.mark.parametrize(
    "draw",
    [activity_chart, heatmap_chart, tier_pyramid_chart, score_chart],
    ids=lambda f: f.__name__,
)
def test_a_chart_drawn_once_and_cropped_matches_the_tight_crop(
    draw, report_zh, cjk_font, tmp_path, monkeypatch
):
    # legends below the plot, twin axes, a colorbar and long names left of the axes all spill
    # over the figure's edges: the margin must hold them, and the crop find them
    ours = draw(report_zh, "zh", tmp_path / "ours.png", cjk_font)
    monkeypatch.setattr(charts, "_save", _tight_save)
    _close_to_tight(ours, draw(report_zh, "zh", tmp_path / "tight.png", cjk_font))


def test_a_figure_title_and_far_spilling_labels_are_cropped_as_tight_crops_them(
    tmp_path, monkeypatch
):
    def figure():  # noqa: ANN202
        fig = new_figure(figsize=(4, 2))
        ax = fig.add_subplot()
        ax.barh([0, 1], [3, 5])
        # past the margin on the left: drawn the slow way, still cropped right
        ax.set_yticks([0, 1], ["a" * 120, "b"])
        fig.suptitle("Referrals", y=1.04)  # figure fractions, above the figure
        return fig

    ours = charts._save(figure(), tmp_path / "ours.png")
    _close_to_tight(ours, _tight_save(figure(), tmp_path / "tight.png"))
    small = new_figure(figsize=(4, 2))
    small.add_subplot().set_title("inside the margin")
    small.suptitle("above", y=1.1)
    ours = charts._save(small, tmp_path / "small.png")
    small = new_figure(figsize=(4, 2))
    small.add_subplot().set_title("inside the margin")
    small.suptitle("above", y=1.1)
    _close_to_tight(ours, _tight_save(small, tmp_path / "small-tight.png"))
