"""crmkit for Django: `INSTALLED_APPS += ["crmkit.django"]`, `CRMKIT_DATABASE = "sales.db"`, and
`MIDDLEWARE += ["crmkit.django.middleware.CrmKitMiddleware"]`.

The middleware gives every request `request.crm`: the view of `request.user` found by login
(`crm.as_user(request.user.get_username())`), None for anonymous users; a signed-in user who is
not a user of the CRM is refused with 403, never given the system view. crmkit errors raised by a
view become JSON responses with the statuses of `crmkit.flask` (NotFound 404, PermissionDenied
403, Conflict 409, ValidationError/RuleSyntaxError 422 with the field or position).
`system_crm()` is the unscoped view, for what the project decides runs with full rights. The
management commands crmkit_import, crmkit_escalate, crmkit_revisits, crmkit_reclaim and
crmkit_check are the periodic jobs a team runs from cron.
"""

from .engine import close_engine, crm_for, system_crm  # noqa: F401
from .http import CrmJSONEncoder, expected_version, json_body, json_response  # noqa: F401
