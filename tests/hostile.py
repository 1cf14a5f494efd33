"""A hostile web on 127.0.0.1: a server whose pages try scheme tricks, broken encodings,
compression bombs and endless bodies, beside a few honest articles.

Every route is listed by the site's own feed and section page, so one crawl meets them
all. The prose is ours (generated from the sentences below), never seed text.
"""

from __future__ import annotations

import gzip
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

SENTENCES = (
    "The export rules for advanced accelerators were tightened again this week.",
    "Several Chinese cloud providers said they would test domestic chips instead.",
    "Analysts expect the supply of high-bandwidth memory to stay short until next year.",
    "The foundry reported that its most advanced node is running at full capacity.",
    "A spokesperson declined to comment on the shipments bound for data centres.",
    "Engineers said the software stack matters as much as the silicon itself.",
    "Customs data showed a sharp rise in imports of server boards in the last quarter.",
    "The company plans to publish benchmark results for its inference card soon.",
)
JAPANESE = (
    "半導体の輸出規制が今週さらに強化されました。"
    "複数のクラウド事業者は国産のチップを試験すると述べました。"
    "アナリストは広帯域メモリの供給不足が来年まで続くと予想しています。"
    "ファウンドリは最先端の製造工程がフル稼働していると報告しました。"
) * 3


def article_html(title: str, index: int, *, head: str = "", charset: str | None = "utf-8") -> str:
    body = " ".join(SENTENCES[(index + i) % len(SENTENCES)] for i in range(8))
    paragraphs = "".join(f"<p>{body} ({index}.{n})</p>" for n in range(3))
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f"<!DOCTYPE html><html lang='en'><head>{meta}<title>{title}</title>{head}</head>"
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paragraphs}"
        "</article><footer>Imprint</footer></body></html>"
    )


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # a generator of chunks, sent without Content-Length until the client leaves
    stream: Callable[[], bytes] | None = None
    stream_limit: int = 0


class HostileWeb:
    """Use as a context manager; `base` is its http URL, `log` the paths requested,
    `ftp_connections` how often anyone knocked at its (silent) FTP port."""

    OK_ARTICLES = 4

    def __init__(self, local_file: Path, max_page_bytes: int) -> None:
        self.local_file = local_file
        self.max_page_bytes = max_page_bytes
        self.log: list[str] = []
        self.ftp_connections = 0
        self._lock = threading.Lock()

    # -- the site --------------------------------------------------------------------

    def ok_paths(self) -> list[str]:
        return [f"/a/ok-{i}.html" for i in range(1, self.OK_ARTICLES + 1)]

    def hostile_paths(self) -> list[str]:
        return [
            "/a/endless.html",
            "/a/bomb.html",
            "/a/shift-jis.html",
            "/a/garbage.html",
            "/a/redirect-to-file.html",
            "/a/refresh-to-file.html",
            "/a/canonical-elsewhere.html",
        ]

    def routes(self) -> dict[str, Reply]:
        html = {"Content-Type": "text/html; charset=utf-8"}
        xml = {"Content-Type": "application/xml"}
        routes = {
            path: Reply(headers=html, body=article_html(f"Chip report {i}", i).encode())
            for i, path in enumerate(self.ok_paths(), 1)
        }
        zeros = gzip.compress(b"\0" * (self.max_page_bytes * 20), compresslevel=9)
        sjis = article_html("輸出規制", 9, charset=None).replace("<p>", "<p>" + JAPANESE, 1)
        links = [*self.ok_paths(), *self.hostile_paths()]
        items = "".join(
            f"<item><title>t{i}</title><link>{self.base}{p}</link></item>"
            for i, p in enumerate(links)
        )
        anchors = "".join(f"<a href='{p}'>story {i}</a> " for i, p in enumerate(links))
        anchors += (
            f"<a href='file://{self.local_file}'>local</a> "
            "<a href='file:///etc/passwd'>passwd</a> "
            f"<a href='ftp://127.0.0.1:{self.ftp_port}/a/ok-1.html'>ftp</a> "
            f"<a href='ftp://127.0.0.1:{self.ftp_port}/a/ftp-only.html'>ftp only</a>"
        )
        routes |= {
            "/feed.xml": Reply(
                headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'},
                body=(
                    "<?xml version='1.0'?><rss version='2.0'><channel><title>Hostile</title>"
                    f"<link>{self.base}/</link>{items}</channel></rss>"
                ).encode(),
            ),
            "/section.html": Reply(
                headers=html,
                body=f"<html><body><h1>Section</h1>{anchors}</body></html>".encode(),
            ),
            "/empty.xml": Reply(headers={"Content-Type": "application/rss+xml"}, body=b""),
            "/bomb-feed.xml": Reply(
                headers={"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
                body=zeros,
            ),
            "/a/endless.html": Reply(
                headers=html,
                stream=lambda: b"<p>" + b"x" * 65_000 + b"</p>",
                stream_limit=self.max_page_bytes * 50,
            ),
            "/a/bomb.html": Reply(headers={**html, "Content-Encoding": "gzip"}, body=zeros),
            # sitemaps listed by no page: for a source of their own (test_hostile.py)
            "/big-sitemap.xml": Reply(headers=xml, body=self.big_sitemap()),
            "/huge-sitemap.xml.gz": Reply(
                headers={"Content-Type": "application/gzip"},
                body=gzip.compress(self.big_sitemap(self.max_page_bytes * 5), compresslevel=9),
            ),
            "/broken-sitemap.xml.gz": Reply(
                headers={"Content-Type": "application/gzip"},
                body=gzip.compress(self.big_sitemap())[:10] + b"\xff" * 64,
            ),
            # no charset anywhere: not in the header, not in the page
            "/a/shift-jis.html": Reply(
                headers={"Content-Type": "text/html"}, body=sjis.encode("shift_jis")
            ),
            # says UTF-8, is not: decodes to replacement characters
            "/a/garbage.html": Reply(
                headers=html,
                body=b"<html><head><title>Garbage</title></head><body><article><h1>Garbage</h1><p>"
                + (JAPANESE * 4).encode("shift_jis")
                + b"</p></article></body></html>",
            ),
            "/a/redirect-to-file.html": Reply(
                status=302, headers={"Location": f"file://{self.local_file}"}
            ),
            "/a/refresh-to-file.html": Reply(
                headers=html,
                body=(
                    "<html><head><meta http-equiv='refresh' content='0; "
                    f"url=file://{self.local_file}'></head><body>moved</body></html>"
                ).encode(),
            ),
            "/a/canonical-elsewhere.html": Reply(
                headers=html,
                body=article_html(
                    "Canonical elsewhere",
                    7,
                    head="<link rel='canonical' href='http://www.evil.co.uk/a/stolen.html'>",
                ).encode(),
            ),
        }
        return routes

    def big_sitemap(self, size: int = 0) -> bytes:
        """A urlset listing the honest articles, padded with other URLs to more than
        `size` bytes (default: twice max_page_bytes)."""
        size = size or self.max_page_bytes * 2
        rows = [f"<url><loc>{self.base}{path}</loc></url>" for path in self.ok_paths()]
        pad = len(f"<url><loc>{self.base}/other/0000000.html</loc></url>")
        rows += [
            f"<url><loc>{self.base}/other/{n:07d}.html</loc></url>" for n in range(size // pad + 1)
        ]
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(rows)
            + "</urlset>"
        ).encode()

    # -- serving -----------------------------------------------------------------------

    def __enter__(self) -> HostileWeb:
        self._ftp = socket.create_server(("127.0.0.1", 0))
        self._ftp.settimeout(0.2)
        self.ftp_port = self._ftp.getsockname()[1]
        self._stopping = threading.Event()
        threading.Thread(target=self._count_ftp, daemon=True).start()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._routes = self.routes()
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._ftp.close()

    def _count_ftp(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._ftp.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self.ftp_connections += 1
            conn.close()

    def requested(self, path: str) -> int:
        with self._lock:
            return self.log.count(path)


def _handler(web: HostileWeb) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # name fixed by http.server
            with web._lock:
                web.log.append(self.path)
            reply = web._routes.get(self.path) or Reply(status=404, body=b"not here")
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.stream is None:
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
                return
            # no Content-Length: the body ends when the connection does
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            sent = 0
            try:
                while sent < reply.stream_limit:
                    chunk = reply.stream()
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading: what we wanted

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler
