"""The API's settings minus the per-user rate limit, to measure what counting every request costs.

``python -m bench.run --full --only http --settings bench.settings_without_throttle``.
A diagnostic only: production keeps the throttle.
"""

from todo_project.settings import *  # noqa: F403
from todo_project.settings import REST_FRAMEWORK

REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
