from django.db import models


class DemoMarker(models.Model):
    """Present only in a database built by ``manage.py demo``; guards real data from it."""

    seed = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table keeps the name it had when the model lived in core (no data move).
        db_table = "core_demomarker"

    def __str__(self) -> str:
        return f"demo data (seed {self.seed})"
