"""Signals a host project connects to: what the revocation feed says happened to a user."""

from django.dispatch import Signal

# Sent with ``user_id`` and ``expires_at`` (unix seconds: when the user's last token
# has expired) once per process, in its polling thread, after that user's
# tokens are refused there. Receivers must be idempotent (every process sends it)
# and may raise: the event is then handled again on the next poll.
user_deleted = Signal()
