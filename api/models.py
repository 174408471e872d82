from django.db import models


class RateLimitCounter(models.Model):
    """One rate-limit window's count, for processes that share no Redis."""

    key = models.CharField(max_length=255, primary_key=True)
    count = models.BigIntegerField()
    expires = models.FloatField(db_index=True, help_text="Unix time after which the window is over")

    class Meta:
        db_table = "rate_limit_counter"

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
