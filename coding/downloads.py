"""Every file the app sends for download: an attachment that no cache keeps.

Transcripts, excerpts and figures about participants are sensitive, so no copy of a download
may stay in a browser's or a proxy's cache (`Cache-Control: no-store`). Every view that sends
a file calls `attachment()` so that rule lives in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from django.http import FileResponse, HttpResponse, StreamingHttpResponse


def attachment(
    content: str | bytes | Iterable[str] | IO[Any], filename: str, content_type: str
) -> HttpResponse:
    """A download response for text or bytes, a stream of lines, or an open file."""
    response: HttpResponse
    if isinstance(content, str | bytes):
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    elif hasattr(content, "read"):
        content.seek(0)
        response = FileResponse(
            content, as_attachment=True, filename=filename, content_type=content_type
        )
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
