"""Former name of `visalever.service.canonical` (canonical JSON, hashes, timestamps), kept only for
the modules that still import it by this name (tokens, designations, reforms); import `canonical`.
"""

from visalever.service.canonical import (  # noqa: F401 - re-exported under the old name
    canonical_json,
    canonical_json_fast,
    now_iso,
    sha256_hex,
)
