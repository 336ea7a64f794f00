"""CEL conditions over a country context: compiled once at load time, evaluated at resolve time.

CEL (the Common Expression Language) is a standard, side-effect-free expression language; using it
means a tier condition in a regime file can never run arbitrary code (no `eval`, no home-made parser).
"""

from __future__ import annotations

from typing import Any

import cel

from visalever.errors import InputError

#: Variables a condition may read: the per-country context built by `policy.context`.
CONTEXT_VARIABLES = frozenset({"iso3", "agreement", "assessment", "designations"})


class Condition:
    """A compiled CEL expression with the file location it came from (for error messages)."""

    __slots__ = ("source", "location", "_program")

    def __init__(self, source: str, location: str) -> None:
        self.source = source
        self.location = location
        try:
            self._program = cel.compile(source)
        except Exception as err:  # the binding raises ValueError with a multi-line message
            first = str(err).splitlines()
            reason = next(
                (line.strip() for line in first if "Syntax error" in line or "ERROR" in line), first[0]
            )
            raise InputError(f"CEL syntax error: {reason}", location=location) from None
        refs = self._program.variables()
        unknown = sorted(set(refs) - CONTEXT_VARIABLES)
        if unknown:
            raise InputError(
                f"CEL condition reads unknown variable(s) {unknown}; allowed: {sorted(CONTEXT_VARIABLES)}",
                location=location,
            )

    def evaluate(self, context: dict[str, Any]) -> Any:
        """Evaluate over one country's context; a runtime failure names the condition and the country."""
        try:
            return self._program.execute(context)
        except Exception as err:
            raise InputError(
                f"CEL evaluation failed for {context.get('iso3')}: {err}", location=self.location
            ) from None

    def test(self, context: dict[str, Any]) -> bool:
        value = self.evaluate(context)
        if not isinstance(value, bool):
            raise InputError(
                f"CEL condition must give true/false, gave {value!r} for {context.get('iso3')}",
                location=self.location,
            )
        return value
