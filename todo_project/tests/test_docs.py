"""The documentation stands alone: it names no file outside the repository, and docs/api.md covers the whole API."""

from __future__ import annotations

import ast
import io
import os
import re
import subprocess
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from api.exceptions import ERROR_TYPES

ROOT = Path(__file__).resolve().parents[2]
API_REFERENCE = ROOT / "docs" / "api.md"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
# Directories a checkout may hold that are not the project's own (used only where git cannot list the files).
NOT_SOURCES = {".git", ".venv", "node_modules", ".next", "__pycache__", "staticfiles", ".pytest_cache", ".ruff_cache"}
# A relative path that climbs: "../x", "../../x/y.md"; it must still land inside the repository.
CLIMBING_PATH = re.compile(r"(?<![\w.])(?:\.\./)+[^\s`'\"()<>\[\]{},;|*]*")
MARKDOWN_NAME = re.compile(r"(?<![\w./-])([\w./-]*[\w-]\.md)\b")
HASH_COMMENT = re.compile(r"(?:^|\s)#[^\n]*")
SLASH_COMMENTS = re.compile(r"/\*.*?\*/|(?<![:\\])//[^\n]*", re.DOTALL)
HASH_COMMENTED = {".sh", ".yml", ".yaml", ".toml", ".ini", ".cfg", ".conf", ".txt", ".example"}
SLASH_COMMENTED = {".ts", ".tsx", ".js", ".mjs", ".cjs", ".css"}


def project_files() -> list[Path]:
    """The repository's files: git's list where there is one, else the tree without what a checkout adds."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
        ).stdout.decode()
        return [ROOT / name for name in listed.split("\0") if name and (ROOT / name).is_file()]
    except (OSError, subprocess.SubprocessError):
        found = []
        for folder, subfolders, names in os.walk(ROOT):
            subfolders[:] = [name for name in subfolders if name not in NOT_SOURCES]
            found += [Path(folder) / name for name in names]
        return found


def python_comments(source: str) -> Iterator[str]:
    """The comments and docstrings of a Python module: what it says, not what it does."""
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.string
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                yield docstring


def prose(path: Path) -> list[str]:
    """The parts of ``path`` written for readers: all of a Markdown file, the comments of code and configuration."""
    text = path.read_text(encoding="utf-8", errors="replace")
    suffix = path.suffix
    if suffix == ".md":
        return [text]
    if suffix == ".py":
        return list(python_comments(text))
    if suffix in SLASH_COMMENTED:
        return SLASH_COMMENTS.findall(text)
    if suffix in HASH_COMMENTED or path.name == "Makefile" or text.startswith("#!"):
        return HASH_COMMENT.findall(text)
    return []


def inside_repository(citing: Path, reference: str) -> bool:
    # normpath, not resolve(): a symlinked virtualenv or node_modules must not count as leaving the repository.
    target = os.path.normpath(citing.parent / reference)
    return target == str(ROOT) or target.startswith(str(ROOT) + os.sep)


def test_no_document_or_comment_names_a_path_outside_the_repository():
    outside = [
        f"{path.relative_to(ROOT)}: {reference}"
        for path in project_files()
        for text in prose(path)
        for reference in CLIMBING_PATH.findall(text)
        if not inside_repository(path, reference)
    ]
    assert outside == []


def test_every_markdown_file_a_document_names_is_in_the_repository():
    files = project_files()
    documents = [path for path in files if path.suffix == ".md"]
    known = {path.relative_to(ROOT).as_posix() for path in documents} | {path.name for path in documents}
    missing = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in documents
        for name in MARKDOWN_NAME.findall(path.read_text(encoding="utf-8"))
        if name not in known and not (path.parent / name).is_file()
    ]
    assert missing == []


MARKDOWN_LINK = re.compile(r"\]\(([^()\s]+)\)")


def broken_links(path: Path, text: str) -> list[str]:
    """Relative link targets in Markdown ``text`` that name no file or directory, read from ``path``'s directory."""
    broken = []
    for target in MARKDOWN_LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:|#", target):  # https:, mailto:, an anchor in the same page
            continue
        if not (path.parent / target.split("#")[0]).exists():
            broken.append(f"{path.relative_to(ROOT)}: {target}")
    return broken


def test_every_relative_markdown_link_resolves_from_its_own_directory():
    # A link is read from the linking file's directory: docs/docs/x.md is not docs/x.md.
    broken = [
        line
        for path in project_files()
        if path.suffix == ".md"
        for line in broken_links(path, path.read_text(encoding="utf-8"))
    ]
    assert broken == []


def test_the_link_rule_reads_links_from_the_linking_files_directory():
    operations = ROOT / "docs" / "operations.md"
    assert broken_links(operations, "[deploys](deploys.md), [here](#x), [web](https://example.com)") == []
    broken = broken_links(operations, "see [docs/deploys.md](docs/deploys.md).")
    assert broken == ["docs/operations.md: docs/deploys.md"]


def test_the_rule_finds_a_path_that_leaves_the_repository():
    readme = ROOT / "frontend" / "README.md"
    assert inside_repository(readme, "../.venv")
    assert not inside_repository(readme, "../../elsewhere/API.md")
    assert CLIMBING_PATH.findall("see [the API](../../elsewhere/API.md).") == ["../../elsewhere/API.md"]


@pytest.fixture(scope="module")
def reference() -> str:
    return API_REFERENCE.read_text(encoding="utf-8")


def test_every_endpoint_of_the_openapi_document_has_its_section_and_no_other(reference):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    served = {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }
    documented = set(re.findall(r"^### ((?:GET|POST|PUT|PATCH|DELETE) /\S+)$", reference, re.MULTILINE))
    assert served, "the OpenAPI document lists no endpoint"
    assert documented == served


def test_every_error_the_api_can_answer_is_in_the_reference(reference):
    rows = set(re.findall(r"^\| (\d{3}) \| `(\w+)` \|", reference, re.MULTILINE))
    assert rows == {(str(status), error_type) for status, error_type in ERROR_TYPES.items()}
    assert "`error`" in reference  # the type of any other status


def test_the_reference_names_where_the_live_document_is_served(reference, client, db):
    for path in ("/api/schema/", "/api/docs/", "/api/redoc/"):
        assert f"`{path}`" in reference
        assert client.get(path).status_code == 200
