"""Errors a user can act on: one line naming the file/sheet/row/field and what is wrong.

Library code raises `InputError` (bad data or bad regime file) with a precise location; the CLI turns
it into one red line on stderr and exit status 2, the API into a 4xx with the same message.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input from a user or a file. `str(err)` is the one-line message shown to the user."""

    def __init__(self, message: str, *, location: str | None = None) -> None:
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)
