"""Every GraphQL document that prefect 1.4.1's own code sends must be answerable by the stand-in.

Found by reading the installed package, not from a list: the call sites are every
``<something>.graphql(...)`` call in the modules a Prefect Cloud user's commands run (found with
``ast``), and the documents are what those calls sent when ``standin/tests/programs/client_surface.py`` ran
prefect's CLI, ``prefect.Client``, ``prefect.backend``, an agent and the flow-run tasks against a
recording client. Each document is validated with graphql-core against ``schema.graphql``; and each
call site must have been reached (or be named in ``NOT_DRIVEN`` with the reason), so that a query
nobody thought of fails here before it fails a user.
"""

from __future__ import annotations

import ast
import importlib.util
from collections import defaultdict
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from standin.prefect_cloud.schema import sdl
from standin.testing import processes, programs

#: The programs this suite runs as files.
PROGRAMS = Path(__file__).resolve().parents[1] / "programs"

PREFECT_DIR = Path(importlib.util.find_spec("prefect").origin).parent
#: The modules whose GraphQL a Prefect Cloud 1.x user's commands send (globs under prefect/).
SCOPE = (
    "cli/*.py",
    "client/client.py",
    "backend/*.py",
    "agent/agent.py",
    "engine/cloud/*.py",
    "tasks/prefect/flow_run.py",
)
#: Call sites the driver does not reach on purpose: (module, function) -> why.
NOT_DRIVEN = {
    ("cli/server.py", "start"): "`prefect server start` waits for a Prefect Server of the user's own",
    ("client/client.py", "_get_default_server_tenant"): "Prefect Server only (backend = server)",
    ("client/client.py", "create_tenant"): "Prefect Server only: with Cloud it raises before sending",
}


def graphql_call_sites() -> dict[tuple[str, str], list[int]]:
    """(module, function) -> the lines of its ``*.graphql(...)`` calls, for the modules in SCOPE."""
    sites: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pattern in SCOPE:
        for path in sorted(PREFECT_DIR.glob(pattern)):
            module = path.relative_to(PREFECT_DIR).as_posix()
            for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(function):
                    if (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "graphql"
                    ):
                        sites[(module, function.name)].append(node.lineno)
    return dict(sites)


@pytest.fixture(scope="module")
def surface(tmp_path_factory) -> dict:
    """What the driver program sent (``sent``: site and document) and each driver's outcome."""
    workdir = tmp_path_factory.mktemp("client-surface")
    _, result = programs.run_program(
        PROGRAMS / "client_surface.py", str(workdir), env=processes.clean_env(), cwd=workdir, timeout=240
    )
    return result


def unanswerable(sent: list[dict]) -> list[str]:
    """One line per distinct document the schema rejects: where it was sent from, and why."""
    schema = build_schema(sdl())
    found: dict[str, str] = {}
    for item in sent:
        if item["document"] in found:
            continue
        errors = validate(schema, parse(item["document"]))
        found[item["document"]] = "; ".join(e.message for e in errors) and f"{item['site']}: " + "; ".join(
            e.message for e in errors
        )
    return sorted(line for line in found.values() if line)


def test_the_driver_reached_prefect_graphql_from_every_call_site(surface):
    sites = graphql_call_sites()
    assert len(sites) > 50, "the AST walk found too few call sites: has prefect's layout changed?"
    reached = {tuple(item["site"].split(":")[:2]) for item in surface["sent"]}
    missed = sorted(
        f"{module}:{function} (lines {lines})"
        for (module, function), lines in sites.items()
        if (module, function) not in reached and (module, function) not in NOT_DRIVEN
    )
    assert not missed, (
        "call sites no driver reached:\n"
        + "\n".join(missed)
        + "\n\ndrivers:\n"
        + "\n".join(f"{name} => {outcome}" for name, outcome in surface["drivers"].items())
    )


def test_every_document_prefect_sends_validates_against_the_schema(surface):
    problems = unanswerable(surface["sent"])
    assert not problems, f"{len(problems)} documents the stand-in cannot answer:\n" + "\n".join(problems)
