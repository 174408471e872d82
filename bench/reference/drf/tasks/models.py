from django.db import models


class Task(models.Model):
    # The user lives in the identity provider: the token's ``sub`` is all this service knows.
    user_id = models.CharField(max_length=255, db_index=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    completed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.title
