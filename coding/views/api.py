"""The JSON API of the coding page, usable by scripts too (session auth, X-CSRFToken header)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import IntegrityError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.views.decorators.http import require_http_methods

from .. import selectors, services
from ..access import interview_for_user, session_ended
from ..analysis.reading import evaluator_reading
from ..findings import candidates as quotes
from ..findings.listing import candidate_json, excerpt_candidates
from ..findings.models import QuoteCandidate
from ..models import Excerpt
from ..proposals import is_lead
from ..review.blind import blind_rows, visible_coders, visible_excerpts
from ..text_input import is_valid_unicode
from .auth import login_url
from .coding import value_row

NOT_SIGNED_IN = "You are not signed in. Sign in, then try again."
SESSION_ENDED = "Your session has ended, so nothing was saved. Sign in again, then try again."
BODY_NOT_JSON = "The request body must be a JSON object."
BODY_TOO_DEEP = "The request body is nested too deeply: send a flat JSON object."
BODY_TOO_LARGE = "The request is too large."
TEXT_NOT_VALID = (
    "The text in “{field}” is not valid Unicode (it holds a lone surrogate). Send ordinary text."
)
CONFLICT = "Someone made the same change at the same moment. Reload the page and try again."
# Deep enough for every body the API takes ({"values": [...]} is depth 2).
MAX_DEPTH = 5
EXCERPT_NOT_FOUND = services.EXCERPT_NOT_FOUND
METHOD_NOT_ALLOWED = "This address does not take that kind of request; it takes {methods}."


def error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def signed_out(request: HttpRequest) -> JsonResponse:
    """401 with a sentence and a sign-in link that returns to the page the call came from."""
    message = SESSION_ENDED if session_ended(request) else NOT_SIGNED_IN
    return JsonResponse(
        {"error": message, "login_url": login_url(request.headers.get("Referer", ""), request)},
        status=401,
    )


def api_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer in JSON: 401 when signed out, 404/403/400 with an error sentence, never HTML."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return signed_out(request)
        try:
            response = view(request, *args, **kwargs)
        except services.CodingError as exc:
            return error(exc.message, exc.status)
        except PermissionDenied as exc:
            return error(str(exc) or "You may not do this.", 403)
        except Http404 as exc:
            return error(str(exc) or "Not found.", 404)
        except ValidationError as exc:
            return error(" ".join(exc.messages), 400)
        except IntegrityError:
            # A unique constraint lost a race with a simultaneous request: nothing was saved.
            return error(CONFLICT, 409)
        if isinstance(response, HttpResponseNotAllowed):
            # require_http_methods answers with an empty HTML page: say it in JSON instead.
            allowed = response["Allow"]
            answer = error(METHOD_NOT_ALLOWED.format(methods=allowed), 405)
            answer["Allow"] = allowed
            return answer
        return response

    return wrapper


def json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except RequestDataTooBig as exc:
        raise services.CodingError(BODY_TOO_LARGE, 413) from exc
    except RecursionError as exc:
        raise services.CodingError(BODY_TOO_DEEP) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise services.CodingError(BODY_NOT_JSON) from exc
    if not isinstance(data, dict):
        raise services.CodingError(BODY_NOT_JSON)
    _check_json(data)
    return data


def _check_json(data: dict[str, Any]) -> None:
    """Refuse bodies nested deeper than any request needs, and text UTF-8 cannot store."""
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    while stack:
        item, depth, field = stack.pop()
        if depth > MAX_DEPTH:
            raise services.CodingError(BODY_TOO_DEEP)
        if isinstance(item, dict):
            for key, value in item.items():
                if not is_valid_unicode(key):
                    raise services.CodingError(TEXT_NOT_VALID.format(field="a field name"))
                stack.append((value, depth + 1, field or key))
        elif isinstance(item, list):
            stack.extend((value, depth + 1, field) for value in item)
        elif isinstance(item, str) and not is_valid_unicode(item):
            raise services.CodingError(TEXT_NOT_VALID.format(field=field))


def excerpt_json(excerpt: Excerpt) -> dict[str, Any]:
    """The API's form of one excerpt; built from the object when its values are known."""
    slugs = getattr(excerpt, "value_slugs", None)
    if slugs is None:
        return selectors.excerpt_rows(excerpt.interview_id, [excerpt.pk])[0]
    return {
        "id": excerpt.pk,
        "start": excerpt.start,
        "end": excerpt.end,
        "text": excerpt.text,
        "values": slugs,
        "coder": excerpt.coder.get_username(),
        "note": excerpt.note,
        "created": excerpt.created.isoformat(),
        "updated": excerpt.updated.isoformat(),
    }


@api_view  # first, so that signed-out callers always get 401
@require_http_methods(["GET", "POST"])
def interview_excerpts(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "GET":
        interview, role = interview_for_user(request.user, pk)
        rows = selectors.excerpt_rows(interview.pk)
        # Blind double coding: others' excerpts are never sent until both coders are done.
        rows = blind_rows(rows, visible_coders(interview, request.user, role))
        reading = evaluator_reading(role, interview.project_id)  # disclosure control
        return JsonResponse({"excerpts": rows if reading is None else reading.rows(rows)})
    interview, _ = interview_for_user(request.user, pk, write=True)
    data = json_body(request)
    excerpt, created = services.excerpt_code(
        interview=interview,
        coder=request.user,
        start=data.get("start"),
        end=data.get("end"),
        values=data.get("values", []),
        note=data.get("note", ""),
        key=services.idempotency_key(request.headers.get("Idempotency-Key")),
    )
    return JsonResponse(excerpt_json(excerpt), status=201 if created else 200)


@api_view  # first, so that signed-out callers always get 401
@require_http_methods(["GET", "PATCH", "DELETE"])
def excerpt_detail(request: HttpRequest, pk: int) -> HttpResponse:
    excerpt = Excerpt.objects.filter(pk=pk).first()
    if excerpt is None:
        return error(EXCERPT_NOT_FOUND, 404)
    # Outsiders learn nothing (404); readers who may not code get 403 on writes.
    excerpt.interview, role = interview_for_user(
        request.user, excerpt.interview_id, write=request.method != "GET"
    )
    if request.method == "GET":
        visible = visible_coders(excerpt.interview, request.user, role)
        if visible is not None and excerpt.coder.get_username() not in visible:
            return error(EXCERPT_NOT_FOUND, 404)
        row = excerpt_json(excerpt)
        reading = evaluator_reading(role, excerpt.interview.project_id)
        if reading is not None:  # disclosure control: a hidden value's excerpt is not found
            shown = reading.rows([row])
            if not shown:
                return error(EXCERPT_NOT_FOUND, 404)
            row = shown[0]
        return JsonResponse(row)
    if request.method == "DELETE":
        services.excerpt_delete(excerpt=excerpt, user=request.user)
        return HttpResponse(status=204)
    data = json_body(request)
    allowed = {"start", "end", "values", "note"}
    excerpt = services.excerpt_update(
        excerpt=excerpt, user=request.user, changes={k: v for k, v in data.items() if k in allowed}
    )
    return JsonResponse(excerpt_json(excerpt))


@api_view  # first, so that signed-out callers always get 401
@require_http_methods(["GET", "PATCH"])
def interview_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed-in coder's memo and done mark on an interview."""
    interview, _ = interview_for_user(request.user, pk, write=request.method == "PATCH")
    if request.method == "PATCH":
        data = json_body(request)
        progress = services.progress_update(
            interview=interview, coder=request.user, memo=data.get("memo"), done=data.get("done")
        )
    else:
        progress = interview.progress.filter(coder=request.user).first()
    return JsonResponse(
        {
            "memo": progress.memo if progress else "",
            "done": bool(progress and progress.is_done),
            "updated": progress.updated.isoformat() if progress else None,
        }
    )


@api_view  # first, so that signed-out callers always get 401
@require_http_methods(["POST"])
def interview_values(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a value of the interview's project while coding it: `{"name", "definition"}`."""
    interview, _ = interview_for_user(request.user, pk, write=True)
    data = json_body(request)
    value = services.value_create(
        project=interview.project,
        actor=request.user,
        name=data.get("name"),
        definition=data.get("definition", ""),
    )
    return JsonResponse(value_row(value, interview.project.slug), status=201)


def _quotable_excerpt(request: HttpRequest, pk: int) -> Excerpt:
    """An excerpt the user may see and choose quotes from (peer researchers and admins)."""
    excerpt = Excerpt.objects.filter(pk=pk).first()
    if excerpt is None:
        raise Http404(EXCERPT_NOT_FOUND)
    excerpt.interview, role = interview_for_user(request.user, excerpt.interview_id)
    if not visible_excerpts(excerpt.interview, request.user, role).filter(pk=pk).exists():
        raise Http404(EXCERPT_NOT_FOUND)
    if not quotes.can_choose_quotes(excerpt.interview.project, request.user):
        raise PermissionDenied(quotes.NOT_A_PEER_RESEARCHER)
    return excerpt


@api_view  # first, so that signed-out callers always get 401
@require_http_methods(["GET", "POST"])
def excerpt_quotes(request: HttpRequest, pk: int) -> HttpResponse:
    """An excerpt's candidate quotes; POST `{"value": slug, "caption"}` suggests one."""
    excerpt = _quotable_excerpt(request, pk)
    lead = is_lead(excerpt.interview.project, request.user)
    if request.method == "POST":
        data = json_body(request)
        slug = data.get("value")
        value_id = (
            excerpt.tags.filter(value__slug=slug).values_list("value_id", flat=True).first()
            if isinstance(slug, str)
            else None
        )
        candidate = quotes.quote_propose(
            excerpt=excerpt, value_id=value_id, caption=data.get("caption"), user=request.user
        )
        (candidate,) = [c for c in excerpt_candidates(excerpt.pk) if c.pk == candidate.pk]
        return JsonResponse(candidate_json(candidate, request.user, lead), status=201)
    rows = [candidate_json(c, request.user, lead) for c in excerpt_candidates(excerpt.pk)]
    return JsonResponse({"quotes": rows})


@api_view  # first, so that signed-out callers always get 401
@require_http_methods(["DELETE"])
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a candidate quote back (its proposer while it waits, or a lead)."""
    candidate = QuoteCandidate.objects.filter(pk=pk).first()
    if candidate is None:
        return error(quotes.NO_SUCH_QUOTE, 404)
    _quotable_excerpt(request, candidate.excerpt_id)
    quotes.quote_remove(candidate=candidate, user=request.user)
    return HttpResponse(status=204)
