"""What the task rules refuse, in the domain's words; ``http.py`` is the one place that maps each to its HTTP answer."""


class TaskError(Exception):
    """A task operation the rules refuse."""


class TaskNotFound(TaskError):
    """No such task for this user: never theirs, or deleted meanwhile."""


class TaskChanged(TaskError):
    """``If-Match`` names a version the task no longer has (RFC 9110 §13.1.1): another write came first."""


class UserDeleted(TaskError):
    """Better Auth has deleted the user: their token is void, and nothing more is created for them."""
