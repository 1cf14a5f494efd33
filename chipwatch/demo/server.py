"""Threaded HTTP server on 127.0.0.1 that serves a `NewsSite` and logs every request.

Used by ``chipwatch demo`` and by the tests/benchmarks::

    with NewsServer(NewsSite(DEMO_ARTICLES)) as server:
        crawl(server.base_url + "/feeds/rss.xml")
        assert all(r.status != 500 for r in server.log)

Run ``python -m chipwatch.demo.server [--port 8000] [--traps]`` to browse the demo site.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import socket
from types import TracebackType
from typing import Generic, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

from chipwatch.demo.site import NewsSite, Response, SiteSession


class Site(Protocol):
    """What the server asks of a site (NewsSite; the bench's saved real pages)."""

    name: str

    def new_session(self) -> SiteSession: ...

    def route(
        self,
        base_url: str,
        path: str,
        query: str = "",
        headers: Mapping[str, str] | None = None,
        *,
        session: SiteSession | None = None,
    ) -> Response: ...


SiteT = TypeVar("SiteT", bound=Site)


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    status: int
    at: float = field(default_factory=time.monotonic)  # when the request arrived


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # keep-alive connections must not block shutdown
    owner: NewsServer

    def handle_error(self, request: socket | tuple[bytes, socket], client_address: object) -> None:
        if not self.owner.quiet:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ChipwatchDemo/1.0"
    timeout = 30  # idle keep-alive connections give their thread back eventually
    server: _HTTPServer

    def do_GET(self) -> None:  # name fixed by http.server
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, send_body: bool) -> None:
        owner = self.server.owner
        split = urlsplit(self.path)
        path = unquote(split.path) or "/"
        headers = {name.lower(): value for name, value in self.headers.items()}
        delay = owner.slow_paths.get(path) or owner.slow_if_first(path) or owner.delay
        if delay:
            time.sleep(delay)  # this request's own thread: the others go on
        response = owner.answer(path, split.query, headers)
        # Log before writing: a client may inspect the log as soon as it has the response.
        owner.record(LoggedRequest(self.command, path, split.query, headers, response.status))
        self._write(response, send_body)

    def _write(self, response: Response, send_body: bool) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 304:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if send_body and response.status != 304:
            try:
                self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # client gave up (e.g. size limit); not our error

    def log_message(self, format: str, *args: object) -> None:
        if not self.server.owner.quiet:
            super().log_message(format, *args)


class NewsServer(Generic[SiteT]):
    """Serve `site` from a background thread; use as a context manager."""

    def __init__(
        self,
        site: SiteT,
        host: str = "127.0.0.1",
        port: int = 0,
        quiet: bool = True,
        delay: float = 0.0,
        slow_paths: Mapping[str, float] | None = None,
        slow_first: tuple[str, float] | None = None,
    ) -> None:
        self.site = site
        self.delay = delay  # seconds every answer waits: a slow site, for I/O-bound tests
        # path -> seconds its answer waits instead: one slow page on a fast site
        self.slow_paths = dict(slow_paths or {})
        # (prefix, seconds): the first request for a path under the prefix waits that
        # long, whichever page the client happens to ask for first
        self.slow_first = slow_first
        self.slowed: str | None = None  # the path slow_first held back
        self.host = host
        self.port = port
        self.quiet = quiet
        self.session = site.new_session()  # per-server trap state (e.g. the 429-once page)
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def slow_if_first(self, path: str) -> float:
        with self._log_lock:
            if self.slow_first is None or not path.startswith(self.slow_first[0]):
                return 0.0
            seconds, self.slow_first, self.slowed = self.slow_first[1], None, path
            return seconds

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server is not started")
        host, port = self._httpd.socket.getsockname()[:2]  # what server_bind() stored
        return f"http://{host}:{port}"

    def bind(self) -> _HTTPServer:
        """Open the listening socket (start() does this itself); fixes `base_url`."""
        if self._httpd is None:
            httpd = _HTTPServer((self.host, self.port), _Handler)
            httpd.owner = self
            self._httpd = httpd
        return self._httpd

    def start(self) -> NewsServer[SiteT]:
        if self._thread is not None:
            return self
        httpd = self.bind()
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"news-server-{self.base_url}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        if thread is not None:
            httpd.shutdown()
            thread.join(timeout=5)
        httpd.server_close()
        self._httpd = self._thread = None

    def serve_forever_blocking(self) -> None:
        """Serve in the calling thread until Ctrl+C."""
        if self._thread is not None:
            raise RuntimeError("already serving in a background thread")
        httpd = self.bind()
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            httpd.server_close()
            self._httpd = None

    def __enter__(self) -> NewsServer[SiteT]:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- requests --------------------------------------------------------------------------

    def answer(self, path: str, query: str, headers: dict[str, str]) -> Response:
        try:
            return self.site.route(self.base_url, path, query, headers, session=self.session)
        except Exception:  # a broken route must not take the whole demo server down
            if not self.quiet:
                traceback.print_exc()
            return Response(
                500, {"Content-Type": "text/plain; charset=utf-8"}, b"Internal Server Error\n"
            )

    def record(self, entry: LoggedRequest) -> None:
        with self._log_lock:
            self._log.append(entry)

    @property
    def log(self) -> list[LoggedRequest]:
        """Snapshot of the requests served so far, oldest first."""
        with self._log_lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    def url(self, path: str) -> str:
        return self.base_url + path


def main(argv: list[str] | None = None) -> int:
    from chipwatch.demo.articles import DEMO_ARTICLES

    parser = argparse.ArgumentParser(description="Serve the chipwatch demo news site.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--traps", action="store_true", help="also serve crawler traps")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = parser.parse_args(argv)
    server = NewsServer(
        NewsSite(DEMO_ARTICLES, traps=args.traps),
        host=args.host,
        port=args.port,
        quiet=not args.verbose,
    )
    server.bind()
    print(f"Serving {server.site.name} at {server.base_url}/ (Ctrl+C to stop)", file=sys.stderr)
    print(f"Feed: {server.base_url}/feeds/rss.xml", file=sys.stderr)
    server.serve_forever_blocking()
    return 0


if __name__ == "__main__":
    sys.exit(main())
