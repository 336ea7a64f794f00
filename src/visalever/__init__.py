"""visalever: rules as code for returns-linked visa policy.

The package is organised by the rooms of docs/ARCHITECTURE.md: `sources` and `snapshot` (evidence),
`regimes` and `policy` (the law as data and its engine), `assess`, `simulate`, `service`, `web`.
"""

__version__ = "0.1.0"
