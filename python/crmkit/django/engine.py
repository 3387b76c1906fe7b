"""The process's engine, opened from settings.CRMKIT_DATABASE on first use."""

import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .. import _web

_lock = threading.Lock()
_engine = None


def _get():
    global _engine
    with _lock:
        if _engine is None:
            path = getattr(settings, "CRMKIT_DATABASE", None)
            if not path:
                raise ImproperlyConfigured("settings.CRMKIT_DATABASE is not set: name the crmkit database file")
            _engine = _web.Engine(str(path), busy_timeout=float(getattr(settings, "CRMKIT_BUSY_TIMEOUT", 30.0)))
        return _engine


def system_crm():
    """The unscoped system view (sees and may do everything). Raises ImproperlyConfigured when
    CRMKIT_DATABASE is not set."""
    return _get().get()


def crm_for(user):
    """The view of `user` (a login, id or crmkit User); PermissionDenied for an unknown user."""
    return _get().scoped(user)


def close_engine():
    """Closes this process's database (the next use opens it again)."""
    global _engine
    with _lock:
        if _engine is not None:
            _engine.close()
        _engine = None


def on_setting_changed(setting, **kwargs):
    if setting in ("CRMKIT_DATABASE", "CRMKIT_BUSY_TIMEOUT"):
        close_engine()
