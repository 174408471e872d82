"""The seeds' stack: FastAPI + SQLModel + PyJWT, put together as their tutorials do.

``uvicorn bench.reference.fastapi_app:app --workers 2``. Sync endpoints (FastAPI runs
them in its thread pool), one ``Session`` per request, the JWKS parsed once per worker
at startup. Environment: ``REFERENCE_DATABASE_PATH``, ``BETTER_AUTH_JWKS``,
``JWT_ISSUER``, ``JWT_AUDIENCE``.
"""

import os
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Field, Session, SQLModel, col, create_engine, select


def utcnow() -> datetime:
    return datetime.now(UTC)


class TaskBase(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    description: str | None = None


class Task(TaskBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(index=True)
    completed: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class TaskCreate(TaskBase):
    pass


class TaskPublic(TaskBase):
    id: int
    user_id: str
    completed: bool
    created_at: datetime
    updated_at: datetime


engine = create_engine(f"sqlite:///{os.environ['REFERENCE_DATABASE_PATH']}", connect_args={"check_same_thread": False})


def get_session() -> Iterator[Session]:
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True)
class AuthConfig:
    keys: jwt.PyJWKSet
    issuer: str
    audience: str


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Keys are read at startup, not at import, so seeding the database needs none."""
    app.state.auth = AuthConfig(
        keys=jwt.PyJWKSet.from_json(os.environ["BETTER_AUTH_JWKS"]),
        issuer=os.environ["JWT_ISSUER"],
        audience=os.environ["JWT_AUDIENCE"],
    )
    yield


app = FastAPI(lifespan=lifespan)
bearer = HTTPBearer()


def get_current_user(request: Request, credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]) -> str:
    """The token's ``sub``, once its EdDSA signature, ``exp``, ``iss`` and ``aud`` check out."""
    auth: AuthConfig = request.app.state.auth
    token = credentials.credentials
    try:
        key = auth.keys[jwt.get_unverified_header(token)["kid"]]
        claims = jwt.decode(token, key, algorithms=["EdDSA"], issuer=auth.issuer, audience=auth.audience)
    except (jwt.InvalidTokenError, KeyError) as error:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Could not validate credentials",
            headers={"WWW-Authenticate": "Bearer"},
        ) from error
    return claims["sub"]


CurrentUser = Annotated[str, Depends(get_current_user)]


def check_owner(user_id: str, current_user: str) -> None:
    if user_id != current_user:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Not your tasks")


@app.get("/api/{user_id}/tasks", response_model=list[TaskPublic])
def list_tasks(user_id: str, current_user: CurrentUser, session: SessionDep) -> Sequence[Task]:
    check_owner(user_id, current_user)
    query = select(Task).where(Task.user_id == user_id).order_by(col(Task.created_at).desc()).limit(50)
    return session.exec(query).all()


@app.get("/api/{user_id}/tasks/{task_id}", response_model=TaskPublic)
def read_task(user_id: str, task_id: int, current_user: CurrentUser, session: SessionDep) -> Task:
    check_owner(user_id, current_user)
    task = session.get(Task, task_id)
    if task is None or task.user_id != current_user:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Task not found")
    return task


@app.post("/api/{user_id}/tasks", response_model=TaskPublic, status_code=status.HTTP_201_CREATED)
def create_task(user_id: str, task: TaskCreate, current_user: CurrentUser, session: SessionDep) -> Task:
    check_owner(user_id, current_user)
    db_task = Task.model_validate(task, update={"user_id": current_user})
    session.add(db_task)
    session.commit()
    session.refresh(db_task)
    return db_task
