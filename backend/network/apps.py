from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = "五社联动伙伴"
