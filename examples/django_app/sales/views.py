"""The example's JSON views: each works on `request.crm`, the signed-in user's scoped view.
crmkit errors raised here become JSON responses through crmkit's middleware."""

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import crmkit
from crmkit.django import expected_version, json_body, json_response


def _crm(request):
    if request.crm is None:
        raise crmkit.PermissionDenied("sign in first")
    return request.crm


def _limit(request, largest=500):
    raw = request.GET.get("limit", "50")
    # isdigit() alone admits "²" and other digits int() does not read.
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= largest:
        raise crmkit.ValidationError(f"limit: expected 1..{largest}, got {raw!r}")
    return int(raw)


def _object_body(request):
    body = json_body(request)
    if not isinstance(body, dict):
        raise crmkit.ValidationError("the request body must be a JSON object")
    return body


def _with_etag(record, status=200):
    return json_response(record, status=status, headers={"ETag": f'"{record.version}"'})


@require_GET
def customers(request):
    crm = _crm(request)
    rule = request.GET.get("rule")
    if rule:  # a syntax error is a 422 naming the position
        return json_response(crm.segments.evaluate(rule, limit=_limit(request)))
    filters = {k: request.GET[k] for k in ("name_contains", "tag", "stage") if k in request.GET}
    return json_response(crm.customers.find(limit=_limit(request), **filters))


@csrf_exempt
@require_http_methods(["GET", "PATCH"])
def customer(request, cid):
    crm = _crm(request)
    if request.method == "GET":
        return _with_etag(crm.customers.get(cid))
    version = expected_version(request)
    if version is None:
        return json_response({"error": {"type": "PreconditionRequired", "field": "If-Match",
                                        "message": "send If-Match with the record's version (its ETag)"}}, 428)
    body = _object_body(request)
    return _with_etag(crm.customers.update(cid, expected_version=version, **body))


@require_GET
def segment_count(request, name):
    return json_response({"segment": name, "count": _crm(request).segments.count(name)})


@csrf_exempt
@require_POST
def advance(request, oid):
    crm = _crm(request)
    stage = _object_body(request).get("stage")
    if stage is not None and not isinstance(stage, str):
        raise crmkit.ValidationError("stage: name the stage to move to (text), or leave it out for the next one")
    return json_response(crm.opportunities.advance(oid, stage, by=crm.user.id))


@require_GET
def inbox(request):
    crm = _crm(request)
    return json_response(crm.approvals.inbox(crm.user.id))


@csrf_exempt
@require_POST
def decide(request, rid, decision):
    crm = _crm(request)
    if decision not in ("approve", "reject"):
        raise crmkit.NotFound(f"no decision {decision!r}: approve or reject")
    comment = _object_body(request).get("comment")
    if comment is not None and not isinstance(comment, str):
        raise crmkit.ValidationError("comment: expected text")
    req = getattr(crm.approvals, decision)(rid, by=crm.user.id, comment=comment)
    return json_response({"id": req.id, "status": req.status, "current_step": req.current_step})


@csrf_exempt
@require_POST
def claim(request, cid):
    crm = _crm(request)
    crm.pool.claim(cid, by=crm.user.id)
    return _with_etag(crm.customers.get(cid))
