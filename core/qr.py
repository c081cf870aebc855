"""QR codes (一站一码, 一人一码) and the printable A4 poster around them.

Always ``segno.make_qr``: plain ``segno.make`` picks Micro QR for short data,
which many phone cameras cannot read.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

import segno
from django.conf import settings


def absolute_public_url(request, path: str) -> str:
    """The URL a phone opens: PUBLIC_BASE_URL when set (posters outlive hosts), else this request's host."""
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL + path
    return request.build_absolute_uri(path)


def make(url: str) -> segno.QRCode:
    # Level M survives a smudged or partly covered poster and stays small.
    return segno.make_qr(url, error="m")


def svg(url: str, *, scale: int = 10, border: int = 4) -> bytes:
    out = io.BytesIO()
    make(url).save(out, kind="svg", scale=scale, border=border, xmldecl=True, title=url)
    return out.getvalue()


def png(url: str, *, scale: int = 10, border: int = 4) -> bytes:
    out = io.BytesIO()
    make(url).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def inline_svg(url: str, *, scale: int = 8, border: int = 2) -> str:
    """An ``<svg>`` element to put inside an HTML page."""
    return make(url).svg_inline(scale=scale, border=border, omitsize=True)


@dataclass
class Poster:
    title: str
    subtitle: str
    url: str
    instruction: str
    address: str = ""


def poster_svg(poster: Poster) -> bytes:
    """A4 (210 × 297 mm) poster as a standalone SVG: title, QR, one line of instructions, address."""
    qr = make(poster.url)
    modules = qr.symbol_size(scale=1, border=4)[0]
    size = 150.0  # mm
    scale = size / modules
    qr_svg = io.BytesIO()
    qr.save(qr_svg, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True, omitsize=True)
    inner = qr_svg.getvalue().decode()
    # Keep only the drawing; we place it ourselves.
    inner = inner[inner.index(">") + 1 : inner.rindex("</svg>")]
    x = (210 - size) / 2
    font = "'Noto Sans CJK SC','WenQuanYi Micro Hei','Microsoft YaHei','PingFang SC',sans-serif"
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 210 297">',
        '<rect width="210" height="297" fill="#ffffff"/>',
        '<rect x="0" y="0" width="210" height="38" fill="#b71c1c"/>',
        f'<text x="105" y="25" font-family="{font}" font-size="12" font-weight="bold" fill="#ffffff" '
        f'text-anchor="middle">{escape(poster.subtitle)}</text>',
        f'<text x="105" y="60" font-family="{font}" font-size="11" font-weight="bold" fill="#222" '
        f'text-anchor="middle">{escape(poster.title)}</text>',
        f'<g transform="translate({x:.2f},72)">{inner}</g>',
        f'<text x="105" y="240" font-family="{font}" font-size="8" fill="#222" '
        f'text-anchor="middle">{escape(poster.instruction)}</text>',
    ]
    if poster.address:
        parts.append(
            f'<text x="105" y="262" font-family="{font}" font-size="5.5" fill="#444" '
            f'text-anchor="middle">{escape(poster.address)}</text>'
        )
    parts.append(
        f'<text x="105" y="285" font-family="monospace" font-size="4" fill="#666" '
        f'text-anchor="middle">{escape(poster.url)}</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts).encode()


def qr_response(request, path: str, fmt: str, filename: str):
    """The QR image for the public page at ``path``; ``?download=1`` saves it as a file."""
    from django.http import HttpResponse

    url = absolute_public_url(request, path)
    if fmt == "svg":
        response = HttpResponse(svg(url), content_type="image/svg+xml")
    else:
        response = HttpResponse(png(url), content_type="image/png")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def poster_response(request, poster: Poster, *, back_url: str, filename: str):
    """The printable poster page, or with ``?format=svg`` the A4 SVG file to download."""
    from django.http import HttpResponse
    from django.shortcuts import render

    if request.GET.get("format") == "svg":
        response = HttpResponse(poster_svg(poster), content_type="image/svg+xml")
        response["Content-Disposition"] = f'attachment; filename="{filename}.svg"'
        return response
    return render(
        request,
        "posters/poster.html",
        {"poster": poster, "qr_svg": inline_svg(poster.url), "back_url": back_url, "svg_url": "?format=svg"},
    )
