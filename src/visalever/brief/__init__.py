"""The country brief: one document per country and regime for an official preparing a negotiation.

`document.build_brief` gathers it (agreements, acts, measures, evidence, past-lever estimates, options,
package, sources); `render` turns it into HTML, PDF (headless Chromium, offline), Markdown or JSON.
"""

from __future__ import annotations

from visalever.brief.document import build_brief
from visalever.brief.render import to_html, to_json, to_markdown, to_pdf

__all__ = ["build_brief", "to_html", "to_json", "to_markdown", "to_pdf"]
