"""JSON responses for crmkit values and errors, request bodies and If-Match versions."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse

from .. import _web


class CrmJSONEncoder(DjangoJSONEncoder):
    """Django's JSON encoder that also writes crmkit records, Tables and UTC datetimes (ISO 8601, Z)."""

    def default(self, o):
        try:
            return _web.to_jsonable(o)
        except TypeError:
            return super().default(o)


def json_response(data, status=200, headers=None):
    """A JsonResponse of crmkit values (lists and records allowed at the top), Chinese kept as is."""
    return JsonResponse(data, status=status, encoder=CrmJSONEncoder, safe=False, headers=headers,
                        json_dumps_params={"ensure_ascii": False})


def error_response(error):
    """The JSON response of a crmkit error (see crmkit._web.status_of)."""
    return json_response(_web.error_body(error), status=_web.status_of(error))


class MalformedBody(Exception):
    """A request body that is not JSON; the middleware answers 400 with the position."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error

    def response(self):
        return json_response(_web.malformed_json_body(self.error), status=400)


def json_body(request):
    """The request's JSON body ({} when empty). Raises MalformedBody (a 400 naming the position
    through the middleware) when it is not JSON."""
    if not request.body:
        return {}
    try:
        return json.loads(request.body.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise MalformedBody(json.JSONDecodeError("the body is not UTF-8", "", e.start)) from None
    except json.JSONDecodeError as e:
        raise MalformedBody(e) from None
    except RecursionError:  # nested deeper than the decoder goes: as malformed as a syntax error
        raise MalformedBody(json.JSONDecodeError("the body is nested too deeply", "", 0)) from None


def expected_version(request):
    """The record version of the request's If-Match header, or None when absent; a malformed header
    is a ValidationError (422)."""
    return _web.parse_if_match(request.headers.get("If-Match"))
