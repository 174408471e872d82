import factory

from tasks.models import Task


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    user_id = factory.Faker("uuid4")
    title = factory.Faker("sentence", nb_words=4)
    description = factory.Faker("paragraph")
