from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "kangfu.referrals"
    label = "referrals"
