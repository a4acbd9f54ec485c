"""An in-process HTTP server on 127.0.0.1 for download tests (no test reaches the internet).

It serves ``files`` (URL path -> bytes), honours ``Range: bytes=N-`` with 206 unless
``ignore_range`` is set, and can cut the connection after ``drop_after`` bytes for the
next ``drops`` responses (a network error mid-file). ``range_shift`` makes a 206 start that
many bytes away from the byte asked for (and say so in its Content-Range), as a broken
cache or proxy does.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files: dict[str, bytes] = {}
        self.ignore_range = False
        self.drop_after: int | None = None
        self.drops = 0
        self.range_shift = 0
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> FileServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: FileServer

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        srv = self.server
        rng = self.headers.get("Range")
        srv.requests.append((self.path, rng))
        data = srv.files.get(self.path)
        if data is None:
            self.send_error(404)
            return
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", rng or "")
        if match and not srv.ignore_range:
            start = max(int(match.group(1)) + srv.range_shift, 0)
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if srv.drops > 0 and srv.drop_after is not None:
            srv.drops -= 1
            self.wfile.write(body[: srv.drop_after])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)
