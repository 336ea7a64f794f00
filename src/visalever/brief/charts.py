"""Small inline SVG charts for the brief: drawn on the server so that the HTML page, the PDF and a
saved copy show the same picture with no script and no request to any host."""

from __future__ import annotations

from html import escape


def line_chart(
    points: list[tuple[str, float | None]],
    *,
    title: str,
    width: int = 560,
    height: int = 180,
    marks: list[tuple[str, str]] | None = None,
) -> str:
    """A labelled line over periods (gaps where a value is None); `marks` draws dashed lines at periods."""
    known = [(p, v) for p, v in points if v is not None]
    if len(known) < 2:
        return f'<p class="nochart">{escape(title)}: fewer than two published figures, no chart.</p>'
    left, right, top, bottom = 56, 12, 22, 28
    w, h = width - left - right, height - top - bottom
    vmax = max(v for _, v in known) or 1.0
    n = len(points)

    def x(i: int) -> float:
        return left + (w * i / max(n - 1, 1))

    def y(v: float) -> float:
        return top + h - h * v / vmax

    segs: list[list[str]] = [[]]
    for i, (_, v) in enumerate(points):
        if v is None:
            if segs[-1]:
                segs.append([])
            continue
        segs[-1].append(f"{x(i):.1f},{y(v):.1f}")
    lines = "".join(
        f'<polyline fill="none" stroke="#1f4e79" stroke-width="2" points="{" ".join(s)}"/>' for s in segs if s
    )
    dots = "".join(
        f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="#1f4e79">'
        f"<title>{escape(p)}: {v:,.0f}</title></circle>"
        for i, (p, v) in enumerate(points)
        if v is not None
    )
    step = max(1, n // 8)
    ticks = "".join(
        f'<text x="{x(i):.1f}" y="{height - 8}" font-size="10" text-anchor="middle">{escape(p)}</text>'
        for i, (p, _) in enumerate(points)
        if i % step == 0 or i == n - 1
    )
    idx = {p: i for i, (p, _) in enumerate(points)}
    mk = "".join(
        f'<line x1="{x(idx[p]):.1f}" x2="{x(idx[p]):.1f}" y1="{top}" y2="{top + h}" stroke="#b03a2e" '
        f'stroke-dasharray="4 3"><title>{escape(label)}</title></line>'
        for p, label in (marks or [])
        if p in idx
    )
    return (
        f'<svg role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<text x="{left}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>'
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + h}" stroke="#888"/>'
        f'<line x1="{left}" x2="{left + w}" y1="{top + h}" y2="{top + h}" stroke="#888"/>'
        f'<text x="{left - 6}" y="{top + 4}" font-size="10" text-anchor="end">{vmax:,.0f}</text>'
        f'<text x="{left - 6}" y="{top + h}" font-size="10" text-anchor="end">0</text>'
        f"{mk}{lines}{dots}{ticks}</svg>"
    )
