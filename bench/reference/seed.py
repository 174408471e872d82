"""A reference stack's schema and tasks: ``python -m bench.reference.seed STACK DB_PATH TASKS USER``.

A process of its own, because the DRF stack's Django settings must never meet the
project's, which the benchmark processes have already loaded. Prints one task's id.
"""

import argparse
import os

DESCRIPTION = "A few words of description " * 3
DRF_SETTINGS = "bench.reference.drf.settings"


def seed_fastapi(tasks: int, user: str) -> int:
    from sqlmodel import Session, SQLModel

    from .fastapi_app import Task, engine

    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        rows = [Task(user_id=user, title=f"Task {i}", description=DESCRIPTION) for i in range(tasks)]
        session.add_all(rows)
        session.commit()
        return rows[0].id  # type: ignore[return-value]  (set by the insert)


def seed_drf(tasks: int, user: str) -> int:
    import django
    from django.core.management import call_command

    os.environ["DJANGO_SETTINGS_MODULE"] = DRF_SETTINGS
    django.setup()
    from .drf.tasks.models import Task

    call_command("migrate", verbosity=0)
    rows = Task.objects.bulk_create(
        Task(user_id=user, title=f"Task {i}", description=DESCRIPTION) for i in range(tasks)
    )
    return rows[0].pk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("stack", choices=["fastapi", "drf_simplejwt"])
    parser.add_argument("db_path")
    parser.add_argument("tasks", type=int)
    parser.add_argument("user")
    args = parser.parse_args()
    if args.tasks < 1:
        parser.error("at least one task, whose id is printed")
    os.environ["REFERENCE_DATABASE_PATH"] = args.db_path  # where both stacks read it
    seed = seed_fastapi if args.stack == "fastapi" else seed_drf
    print(seed(args.tasks, args.user))


if __name__ == "__main__":
    main()
