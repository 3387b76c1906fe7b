"""crmkit.charts: Chinese labels in matplotlib charts with the CJK font `make deps` installs, and a
clean fallback without one."""

import io
import warnings

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from crmkit import charts  # noqa: E402

CHINESE = "销售漏斗：初步接触 → 赢单 −5%"


def _render(title, categories=("上海", "北京")):
    """Draws a bar chart titled `title`; returns the warnings matplotlib raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        ax.set_title(title)
        ax.bar(list(categories), [3, -2])
        fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)
    return [str(w.message) for w in caught]


def test_make_deps_installs_a_cjk_font():
    assert charts.cjk_font() is not None, "no CJK font: `make deps` installs fonts-wqy-microhei"


def test_chinese_labels_draw_with_the_cjk_font():
    with matplotlib.rc_context():
        name = charts.use_cjk_font()
        assert name in charts.CJK_FONTS
        assert matplotlib.rcParams["font.sans-serif"][0] == name
        assert _render(CHINESE) == []


def test_matplotlib_alone_cannot_draw_them():
    # What the helper is for: the default font has no Chinese glyphs.
    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        assert any("missing from font" in w for w in _render(CHINESE))


def test_without_a_cjk_font_nothing_changes(monkeypatch):
    monkeypatch.setattr(charts, "CJK_FONTS", ("No Such Font SC",))
    with matplotlib.rc_context():
        before = dict(matplotlib.rcParams)
        assert charts.use_cjk_font() is None
        assert dict(matplotlib.rcParams) == before


@pytest.mark.parametrize("zh_font", [True, False])
def test_the_notebooks_label_helper_falls_back_to_english(zh_font, monkeypatch):
    if not zh_font:
        monkeypatch.setattr(charts, "CJK_FONTS", ())
    with matplotlib.rc_context():
        zh = charts.use_cjk_font() is not None
        title = "销售漏斗" if zh else "Pipeline funnel"
        categories = ("上海", "北京") if zh else ("Shanghai", "Beijing")
        assert zh == zh_font
        assert _render(title, categories) == []
