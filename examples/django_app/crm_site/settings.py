"""Settings of the crmkit example project: Django's own database holds only its auth tables;
the CRM lives in CRMKIT_DATABASE."""

import os
import pathlib

BASE_DIR = pathlib.Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-a-secret")
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "crmkit.django",
    "sales",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Example only: X-User names the login when nobody is signed in (see sales/auth.py).
    "sales.auth.HeaderLoginMiddleware",
    "crmkit.django.middleware.CrmKitMiddleware",
]
ROOT_URLCONF = "crm_site.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "django.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

CRMKIT_DATABASE = os.environ.get("CRMKIT_DATABASE", str(BASE_DIR / "crm.db"))
