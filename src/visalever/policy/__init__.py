"""The policy engine: the law as data (load), resolved per date (resolve), applied to one application
(decide) or to a frame of millions (replay), with the same measures table behind both.

Jurisdiction-neutral: nothing here knows about the UK, EU or US; regimes live in `visalever/regimes/`.
"""

from __future__ import annotations

from visalever.policy.context import build_contexts
from visalever.policy.decide import decide
from visalever.policy.designations import due_for_review
from visalever.policy.diff import diff_policies
from visalever.policy.loader import (
    Policy,
    agreements_in_force,
    check_file,
    jurisdictions,
    list_policies,
    load_agreements,
    load_designations,
    load_policy,
    validate_designation,
)
from visalever.policy.models import (
    CATEGORIES,
    Agreement,
    Application,
    Decision,
    Designation,
    Reason,
)
from visalever.policy.replay import replay
from visalever.policy.resolve import DesignationSet, MeasuresTable, resolve
from visalever.policy.show import show_policy

__all__ = [
    "CATEGORIES",
    "Agreement",
    "Application",
    "Decision",
    "Designation",
    "DesignationSet",
    "MeasuresTable",
    "Policy",
    "Reason",
    "agreements_in_force",
    "build_contexts",
    "check_file",
    "decide",
    "diff_policies",
    "due_for_review",
    "jurisdictions",
    "list_policies",
    "load_agreements",
    "load_designations",
    "load_policy",
    "replay",
    "resolve",
    "show_policy",
    "validate_designation",
]
