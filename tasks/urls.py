from rest_framework.routers import SimpleRouter

from .views import TaskViewSet

# Contract paths have no trailing slash.
router = SimpleRouter(trailing_slash=False)
router.register(r"api/(?P<user_id>[^/]+)/tasks", TaskViewSet, basename="task")

urlpatterns = router.urls
