"""The published vocabulary of visa classes and applicant groups of one regime (`vocabulary.yaml`).

Why: a measure limited to "B-1/B-2" must catch an application sent as `B1/B2` or `b2`, and an
application naming a class the regime does not know must be refused with the allowed values, not
silently decided as if no measure applied. Spellings are compared on a normal form (case, spaces,
hyphens and underscores ignored); every alias maps to one canonical value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from visalever.errors import InputError
from visalever.policy.models import VocabularyEntry, VocabularyFile

_STRIP = re.compile(r"[\s\-_.]+")


def normal_form(value: str) -> str:
    """The comparison key of a spelling: upper case without spaces, hyphens, dots or underscores."""
    return _STRIP.sub("", value).upper()


@dataclass(frozen=True)
class Vocabulary:
    """Canonical visa classes and applicant groups, with an index from every spelling's normal form."""

    visa_classes: dict[str, VocabularyEntry] = field(default_factory=dict)
    applicant_groups: dict[str, VocabularyEntry] = field(default_factory=dict)
    _class_index: dict[str, str] = field(default_factory=dict, repr=False)
    _group_index: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_file(cls, vf: VocabularyFile | None, location: str = "vocabulary.yaml") -> Vocabulary:
        if vf is None:
            return cls()
        return cls(
            dict(vf.visa_classes),
            dict(vf.applicant_groups),
            _index(vf.visa_classes, f"{location}:visa_classes"),
            _index(vf.applicant_groups, f"{location}:applicant_groups"),
        )

    def visa_class(self, value: str | None, location: str = "visa_class") -> str | None:
        """The canonical class for a caller's spelling; None stays None; unknown -> InputError."""
        return _lookup(value, self._class_index, self.visa_classes, "visa class", location)

    def applicant_group(self, value: str | None, location: str = "applicant_group") -> str | None:
        """The canonical applicant group for a caller's spelling; None stays None; unknown -> InputError."""
        return _lookup(value, self._group_index, self.applicant_groups, "applicant group", location)

    def summary(self) -> dict[str, list[dict[str, object]]]:
        """The vocabulary as published (GET /v1/policies/{id}, `policy show`)."""
        return {
            "visa_classes": [
                {"value": k, "title": e.title, "aliases": e.aliases, "category": e.category}
                for k, e in sorted(self.visa_classes.items())
            ],
            "applicant_groups": [
                {"value": k, "title": e.title, "aliases": e.aliases}
                for k, e in sorted(self.applicant_groups.items())
            ],
        }


def _index(entries: dict[str, VocabularyEntry], location: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, entry in entries.items():
        for spelling in (canonical, *entry.aliases):
            key = normal_form(spelling)
            other = index.get(key)
            if other is not None and other != canonical:
                raise InputError(
                    f"spelling {spelling!r} is claimed by both {other!r} and {canonical!r}",
                    location=f"{location}.{canonical}",
                )
            index[key] = canonical
    return index


def _lookup(
    value: str | None, index: dict[str, str], entries: dict[str, VocabularyEntry], what: str, location: str
) -> str | None:
    if value is None:
        return None
    hit = index.get(normal_form(value))
    if hit is None:
        allowed = ", ".join(sorted(entries)) or "none (this regime scopes no measure by " + what + ")"
        raise InputError(f"unknown {what} {value!r}; allowed values: {allowed}", location=location)
    return hit
