"""Daily snapshots of the statistics, per township, and the aggregates received from below.

``TownshipDay`` holds one row per township per day: the stocks at the end of that day and
the flows of its month so far (first of the month up to the day), so the row of a month's
last day carries the whole month. Rebuilding a day (``services.snapshot_build``) replaces
its rows, which is also how entries made late in the month are caught. The township's
county, city and province are copied on the row so a higher level sums its children with
one indexed ``GROUP BY``, never a walk of the tree. No row names a person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kangfu.access.models import Jurisdiction
from kangfu.reports.figures import FIGURES


class SnapshotDay(models.Model):
    """One built day: which days exist, without scanning the big table."""

    on = models.DateField(unique=True)
    built_at = models.DateTimeField()
    townships = models.PositiveIntegerField(default=0)
    # True when built from history (``--backfill``) rather than on the day itself.
    from_history = models.BooleanField(default=False)

    class Meta:
        ordering = ["-on"]
        verbose_name = _("statistics snapshot day")
        verbose_name_plural = _("statistics snapshot days")

    def __str__(self) -> str:
        return str(self.on)


class TownshipDayBase(models.Model):
    on = models.DateField()
    township = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    city = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    province = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )

    class Meta:
        abstract = True


# One integer column per figure, generated from the figure list so the two never drift.
for _figure in FIGURES:
    TownshipDayBase.add_to_class(
        _figure.key,
        models.PositiveIntegerField(
            null=_figure.nullable, blank=True, default=None if _figure.nullable else 0
        ),
    )


class TownshipDay(TownshipDayBase):
    """The figures of one township at the end of one day (flows: its month so far)."""

    class Meta:
        ordering = ["on", "township_id"]
        verbose_name = _("township statistics of a day")
        verbose_name_plural = _("township statistics of a day")
        constraints = [
            models.UniqueConstraint(fields=["on", "township"], name="townshipday_once_per_day"),
        ]
        indexes = [
            models.Index(fields=["on", "province", "city"], name="townshipday_province"),
            models.Index(fields=["on", "city", "county"], name="townshipday_city"),
            models.Index(fields=["on", "county", "township"], name="townshipday_county"),
        ]

    def __str__(self) -> str:
        return f"{self.township_id} {self.on}"


class TrustedSender(models.Model):
    """A province instance whose upward packages this (national) instance accepts."""

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    public_key = models.CharField(_("Ed25519 public key (base64)"), max_length=100)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("trusted sender")
        verbose_name_plural = _("trusted senders")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ReceivedFigures(models.Model):
    """Suppressed figures of one node of a sender's tree for one month, from a verified
    upward package. Values are the strings shown ("12", "<5", "*"), never raw counts."""

    sender = models.ForeignKey(TrustedSender, on_delete=models.PROTECT, related_name="figures")
    month = models.DateField()
    code = models.CharField(max_length=12)
    name = models.CharField(max_length=100)
    level = models.CharField(max_length=10)
    parent_code = models.CharField(max_length=12, blank=True)
    values = models.JSONField(default=dict)
    package_sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["month", "code"]
        verbose_name = _("received figures")
        verbose_name_plural = _("received figures")
        constraints = [
            models.UniqueConstraint(fields=["month", "code"], name="received_once_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.month}"


class NodeDay(models.Model):
    """The *shown* figures of every node for one snapshot day (its month so far), suppressed
    once for the whole tree together by ``snapshot_build``, so that no page, export or
    package can be read against another: they all show these strings for a month."""

    on = models.DateField()
    node = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    # {figure key: "12" | "<5" | "*" | "—", "rate:<key>": "93.0%" | "*" | "—"}
    shown = models.JSONField(default=dict)

    class Meta:
        ordering = ["on", "node_id"]
        verbose_name = _("suppressed figures of a node")
        verbose_name_plural = _("suppressed figures of a node")
        constraints = [
            models.UniqueConstraint(fields=["on", "node"], name="nodeday_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.node_id} {self.on}"
