"""A local HTTP server on 127.0.0.1 for the download tests: nothing here touches the internet."""
from __future__ import annotations

import functools
import http.server
import threading

import pytest


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files from ``directory``; records each path asked for; can cut bodies short."""

    requests: list = []
    cut: dict = {}  # path -> number of body bytes to send before closing the connection

    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):
        self.requests.append(self.path)
        if self.path in self.cut:
            path = self.translate_path(self.path)
            with open(path, "rb") as fh:
                data = fh.read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))  # promises the whole file
            self.end_headers()
            self.wfile.write(data[: self.cut[self.path]])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def http_server():
    """``http_server(directory) -> (base_url, handler_class)``; each server is shut down after
    the test. ``handler_class.requests`` lists the paths requested; ``handler_class.cut[path] = n``
    makes the server send only ``n`` bytes of that file while announcing its full length."""
    servers = []

    def start(directory):
        handler = type("Handler", (_Handler,), {"requests": [], "cut": {}})
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}/", handler

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"
