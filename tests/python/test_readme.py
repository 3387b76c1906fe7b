"""The README's tour runs as written (on a throwaway database), so it stays true."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_readme_tour_runs():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"## A short tour\n\n```python\n(.*?)```", text, re.S).group(1)
    code = code.replace('crmkit.open("sales.db")', 'crmkit.open(":memory:")')
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["crm"].audit.verify().ok
    assert namespace["seg"].name == "churn_risk"
