from rest_framework.routers import SimpleRouter

from .views import TaskViewSet

router = SimpleRouter()
# Contract paths have no trailing slash; accept one too rather than answer 404.
router.trailing_slash = "/?"
router.register(r"api/(?P<user_id>[^/]+)/tasks", TaskViewSet, basename="task")

urlpatterns = router.urls
