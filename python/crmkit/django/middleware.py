"""`request.crm` per request, and crmkit errors as JSON responses."""

import crmkit

from .engine import crm_for
from .http import MalformedBody, error_response


class CrmKitMiddleware:
    """Sets `request.crm` to the signed-in user's view (None for anonymous users), refuses a user
    the CRM does not know (403), maps crmkit errors raised by views to JSON responses and closes
    the view when the response is ready. Place it after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        request.crm = None
        if user is not None and user.is_authenticated:
            try:
                request.crm = crm_for(user.get_username())
            except crmkit.Error as e:
                return error_response(e)
        try:
            return self.get_response(request)
        finally:
            if request.crm is not None:
                request.crm.close()

    def process_exception(self, request, exception):
        if isinstance(exception, MalformedBody):
            return exception.response()
        if isinstance(exception, crmkit.Error):
            return error_response(exception)
        return None
