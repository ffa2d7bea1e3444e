from django.apps import AppConfig


class LedgerConfig(AppConfig):
    """Data in and out: the ledger import, audited exports, backup and restore.

    Layer: above referrals, below api / portal / web / demo (.importlinter). It may import
    core, access, people, policy, cases, risk, schedule and referrals; nothing below imports it.
    """

    name = "kangfu.ledger"
    label = "ledger"
