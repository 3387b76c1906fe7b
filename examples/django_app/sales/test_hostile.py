"""Hostile HTTP parameters and bodies against the example's views: never a 500, always a 4xx
with a JSON error naming the problem (or a 2xx that treated the value literally), and the
database unchanged by a refused request."""

import hashlib
import sqlite3
from urllib.parse import quote

from .tests import CrmTestCase

TEXTS = ["a\x00b", "\x1b[2J", "' OR 1=1 --", "%", "x" * 20_000, "😀", "\ud800", "", "null"]
NUMBERS = ["-1", "abc", "1e3", "99999999999999999999999", "²", "٣", "nan", "", " 5", "0x10"]
BODIES = ['{"industry": 5}', '{"no_such_field": 1}', "[1, 2]", '"text"', "{not json", "[" * 100_000, "1e999",
          '{"industry": "\\ud800"}', '{"stage": ["x"]}', '{"comment": {"a": 1}}', "null"]


def q(value):
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


class HostileInputTests(CrmTestCase):
    def digest(self):
        con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            h = hashlib.sha256()
            for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
                for row in sorted(repr(r) for r in con.execute(f'SELECT * FROM "{t}"')):
                    h.update(row.encode("utf-8", "surrogatepass"))
            return h.hexdigest()
        finally:
            con.close()

    def check(self, response, before, what):
        self.assertLess(response.status_code, 500, f"{what[:120]}: {response.content[:300]!r}")
        if response.status_code >= 400 and response.status_code != 404 or response.get("Content-Type", "").startswith(
                "application/json") and response.status_code >= 400:
            self.assertEqual(self.digest(), before, f"{what[:120]} was refused but changed the database")
            self.assertTrue(response.json()["error"]["message"], what)

    def test_text_parameters(self):
        for value in TEXTS:
            for url in (f"/customers/?name_contains={q(value)}", f"/customers/?tag={q(value)}",
                        f"/customers/?rule={q(value)}", f"/segments/{q(value) or 'x'}/count/"):
                before = self.digest()
                self.check(self.get(url), before, url)

    def test_number_parameters(self):
        for value in NUMBERS:
            for url in (f"/customers/?limit={q(value)}", f"/customers/?rule=id%20%3E%200&limit={q(value)}"):
                before = self.digest()
                r = self.get(url)
                self.check(r, before, url)
                if r.status_code >= 400:
                    self.assertIn("limit", r.json()["error"]["message"])

    def test_json_bodies(self):
        for body in BODIES:
            for method, url, headers in (
                    ("patch", f"/customers/{self.mine.id}/", {"HTTP_IF_MATCH": f'"{self.mine.version}"'}),
                    ("post", f"/approvals/{self.request_id}/approve/", {}),
                    ("post", "/opportunities/1/advance/", {})):
                before = self.digest()
                self.check(self.send(method, url, body, user="wang" if "approvals" in url else "alice", **headers),
                           before, f"{method} {url} {body[:40]}")

    def test_if_match_headers(self):
        for tag in ('"abc"', '"-1"', '"99999999999999999999999"', "*", '"\x00"', 'W/"1"', '"' + "9" * 5000 + '"'):
            before = self.digest()
            r = self.send("patch", f"/customers/{self.mine.id}/", {"industry": "x"}, HTTP_IF_MATCH=tag)
            self.check(r, before, f"If-Match {tag[:20]}")
