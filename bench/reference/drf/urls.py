from rest_framework.routers import SimpleRouter

from .tasks.views import TaskViewSet

router = SimpleRouter(trailing_slash=False)
router.register(r"api/(?P<user_id>[^/]+)/tasks", TaskViewSet, basename="task")

urlpatterns = router.urls
