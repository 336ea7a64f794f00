"""A cap on the size of a request's head (request line + headers) for uvicorn's httptools parser.

Why: uvicorn bounds headers only for its pure-Python h11 parser; with httptools (the fast one, used
by default) a client could send a 1 MB header and have it buffered and passed to the app. This
protocol counts the head's bytes and answers `431 Request Header Fields Too Large` with the usual
JSON error body once it passes `MAX_HEAD_BYTES`, closing the connection; memory stays bounded by the
limit plus one socket read.
"""

from __future__ import annotations

import os

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 32 * 1024


class HeadTooLarge(Exception):
    """Raised from a parser callback when the head passes the limit."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a head size limit (pass as `uvicorn.run(http=...)`)."""

    max_head = int(os.environ.get("VISALEVER_MAX_HEADER_BYTES") or MAX_HEAD_BYTES)  # serve's option

    def connection_made(self, transport):  # type: ignore[no-untyped-def,override]
        """Start counting the first request's head."""
        self._head_open = False
        self._head_seen = 0
        self._head_exact = 0
        self._messages = 0
        super().connection_made(transport)

    def on_message_begin(self) -> None:
        """A new request: its head is counted afresh."""
        self._head_open = True
        self._head_exact = 0
        self._head_seen = 0
        self._messages += 1
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        """Count the request target."""
        self._head_exact += len(url)
        if self._head_exact > self.max_head:
            raise HeadTooLarge()
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        """Count each header line."""
        self._head_exact += len(name) + len(value) + 4
        if self._head_exact > self.max_head:
            raise HeadTooLarge()
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """The head is complete: stop counting raw bytes until the next request."""
        self._head_open = False
        self._head_seen = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        """Body done: the next head is counted from its `on_message_begin`."""
        self._head_open = False
        super().on_message_complete()

    def data_received(self, data: bytes) -> None:
        """Feed the parser, refusing a head that grows past the limit (even before a header ends: the
        parser buffers a partial header, so bytes fed while the head is still open are counted)."""
        self._unset_keepalive_if_required()
        messages = self._messages
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as err:
            if isinstance(err.__context__, HeadTooLarge) or isinstance(err, HeadTooLarge):
                self._send_431()
                return
            self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self._head_open and messages == self._messages:  # this read was all head bytes
            self._head_seen += len(data)
            if self._head_seen > self.max_head:
                self._send_431()

    def _send_431(self) -> None:
        body = (b'{"error":"headers: the request line and headers are larger than '
                + str(self.max_head).encode() + b' bytes"}')
        head = (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\n"
                b"connection: close\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n")
        self.transport.write(head + body)
        self.transport.close()
        self._head_open = False
