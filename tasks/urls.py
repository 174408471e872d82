from rest_framework.routers import SimpleRouter

from .views import TaskViewSet

# Under API_PREFIX (todo_project/urls.py). Contract paths have no trailing slash.
router = SimpleRouter(trailing_slash=False)
router.register(r"(?P<user_id>[^/]+)/tasks", TaskViewSet, basename="task")

urlpatterns = router.urls
