"""The Django app config of crmkit.django."""

from django.apps import AppConfig


class CrmKitConfig(AppConfig):
    """The `crmkit.django` app: its management commands, and a fresh engine whenever a test
    overrides CRMKIT_DATABASE."""

    name = "crmkit.django"
    label = "crmkit"
    verbose_name = "crmkit"

    def ready(self):
        from django.core.signals import setting_changed

        from . import engine

        # A test that overrides CRMKIT_DATABASE gets a fresh engine on the new file.
        setting_changed.connect(engine.on_setting_changed, dispatch_uid="crmkit.django.engine")
