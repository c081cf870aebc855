from django.db import models


class Ping(models.Model):
    """One-table model for the baseline: the cheapest write a Django view can do."""

    created_at = models.DateTimeField(auto_now_add=True)
    value = models.CharField(max_length=40)

    def __str__(self):
        return self.value
