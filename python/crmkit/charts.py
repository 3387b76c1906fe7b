"""Chinese text in matplotlib charts.

matplotlib's bundled font (DejaVu Sans) has no Chinese glyphs: a label such as "初步接触" draws as
empty boxes with a "Glyph missing" warning. `use_cjk_font()` looks for an installed CJK font
(`make deps` installs Debian's fonts-wqy-microhei) and makes matplotlib prefer it, so a chart can
label Chinese data in Chinese; without one it changes nothing and says so, and the caller labels
in English instead:

    zh = crmkit.charts.use_cjk_font() is not None
    ax.set_title("销售漏斗" if zh else "Pipeline funnel")
"""

# Fonts with Simplified Chinese glyphs, the most common first: Debian's WenQuanYi and Noto
# packages, then those of macOS and Windows.
CJK_FONTS = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Heiti SC",
    "Microsoft YaHei",
    "SimHei",
    "Arial Unicode MS",
)


def cjk_font():
    """The name of the first installed font of CJK_FONTS that matplotlib can use, or None.
    Raises ImportError when matplotlib is not installed."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = _first_cjk({f.name for f in manager.ttflist})
    if found is None:
        # matplotlib caches the font list when it first runs; a font installed since (such as by
        # `make deps` after matplotlib was used) is not in it until the cache is rebuilt.
        known = {f.fname for f in manager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known:
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a font file FreeType cannot read
                    pass
        found = _first_cjk({f.name for f in manager.ttflist})
    return found


def _first_cjk(installed):
    return next((name for name in CJK_FONTS if name in installed), None)


def use_cjk_font():
    """Makes matplotlib draw text in an installed CJK font (first in the sans-serif list, which
    becomes the default family; Latin text stays legible in it). Returns the font's name, or None
    when no CJK font is installed, in which case matplotlib's settings are left as they were.
    Raises ImportError when matplotlib is not installed."""
    import matplotlib

    name = cjk_font()
    if name is None:
        return None
    rc = matplotlib.rcParams
    rc["font.sans-serif"] = [name] + [f for f in rc["font.sans-serif"] if f != name]
    rc["font.family"] = "sans-serif"
    # Not every CJK font has U+2212 MINUS SIGN; a hyphen-minus reads the same on an axis.
    rc["axes.unicode_minus"] = False
    return name
