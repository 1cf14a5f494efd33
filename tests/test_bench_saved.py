"""`python -m bench --pages DIR`: saved pages served as a site the real crawl reads."""

from __future__ import annotations

import re
from pathlib import Path

from bench.crawl import run_crawl, write_config
from bench.saved import SavedPagesSite
from chipwatch.demo.server import NewsServer

PARAGRAPH = (
    "Der Halbleiterhersteller meldete am Dienstag einen deutlich höheren Umsatz mit "
    "Beschleunigern für Rechenzentren; die Nachfrage nach Trainingsclustern übersteige "
    "weiterhin das Angebot, sagte die Finanzchefin in einer Telefonkonferenz mit Analysten."
)


def _page(title: str, charset: str) -> str:
    body = "".join(f"<p>{PARAGRAPH} ({title}, Absatz {n})</p>" for n in range(4))
    return (
        f'<html><head><meta charset="{charset}"><title>{title}</title></head>'
        f"<body><nav><a href='/'>Start</a></nav><article><h1>{title}</h1>{body}</article>"
        "</body></html>"
    )


def _saved(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    (folder / "nested").mkdir(parents=True)
    (folder / "a.html").write_text(_page("Umsätze steigen", "utf-8"), encoding="utf-8")
    # a page in the encoding its <meta> names, as many older sites still send
    (folder / "nested" / "b.htm").write_bytes(
        _page("Größere Fabrik", "windows-1252").encode("cp1252")
    )
    (folder / "notes.txt").write_text("not a page", encoding="utf-8")
    return folder


def test_saved_pages_are_listed_served_as_utf8_and_answer_304(tmp_path: Path) -> None:
    site = SavedPagesSite([_saved(tmp_path)])
    assert len(site) == 2
    base = "http://127.0.0.1:1"
    listed = re.findall(
        r"<loc>([^<]+)</loc>", site.route(base, "/sitemaps/pages.xml").body.decode()
    )
    assert listed == site.article_urls(base)
    bodies = [site.route(base, url.removeprefix(base)) for url in listed]
    assert all(b.status == 200 and "charset=utf-8" in b.headers["Content-Type"] for b in bodies)
    assert "Größere Fabrik" in bodies[1].body.decode("utf-8")  # cp1252 on disk
    again = site.route(
        base, listed[0].removeprefix(base), headers={"If-None-Match": bodies[0].headers["ETag"]}
    )
    assert again.status == 304
    assert site.route(base, "/news/2026/11/page-99999.html").status == 404


def test_the_real_crawl_stores_every_saved_page(tmp_path: Path) -> None:
    site = SavedPagesSite([_saved(tmp_path)])
    with NewsServer(site) as server:
        config = write_config(tmp_path / "crawl", server.base_url)
        first = run_crawl(config)
        second = run_crawl(config)
        asked_again = [r.path for r in server.log if r.path.startswith("/news/")]
    assert first.exit_code == 0, first.stderr_tail
    assert first.stored_articles == 2
    assert second.exit_code == 0
    assert second.stored_articles == 2
    assert len(asked_again) == 2  # the second run asked for no stored page
