from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "coding"
    verbose_name = "Peer values coding"
    default_auto_field = "django.db.models.BigAutoField"
