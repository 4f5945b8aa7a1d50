"""The set-up files: the Saturn recipe against the recipe schema's fields
(../shared/docs/saturn-recipe.md), the pins by audience (requirements/: the run time holds no test, lint,
browser or JupyterLab package; a package pinned in two files has one version; who installs which file),
one source of truth for the supported Pythons, and how `make` picks its Python: the one-line stop, and
when it makes the venv again."""

from __future__ import annotations

import collections
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib

import jsonschema
import pytest
from packaging.specifiers import SpecifierSet

from tutorial_kit.paths import NOTEBOOK, REPO_ROOT

INSTANCE = {"type": "string", "minLength": 1}
# The fields of Saturn's recipe schema (saturncloud/recipes resources/schema.json, 2022.01.06)
# that ../shared/docs/saturn-recipe.md lists; additionalProperties is false at the top, as there.
RECIPE_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "schema_version"],
    "oneOf": [{"required": ["image_uri"]}, {"required": ["image"]}],
    "anyOf": [{"required": [k]} for k in ("jupyter_server", "rstudio_server", "job", "deployment")],
    "properties": {
        "name": {"type": "string", "pattern": "^[-a-zA-Z0-9]+$"},
        "schema_version": {"const": "2022.01.06"},
        "image_uri": {"type": "string"},
        "image": {"type": "object", "required": ["owner", "name", "version"]},
        "description": {"type": "string"},
        "working_directory": {"type": "string"},
        "start_script": {"type": "string"},
        "visibility": {"enum": ["owner", "org"]},
        "extra_packages": {"type": "object"},
        "environment_variables": {"type": "object", "additionalProperties": {"type": "string"}},
        "jupyter_server": {"type": "object", "properties": {"instance_type": INSTANCE}},
        "rstudio_server": {"type": "object"},
        "job": {"type": "object", "required": ["instance_type", "command"]},
        "deployment": {"type": "object"},
        "git_repositories": {"type": "array"},
        "dask_cluster": {
            "type": "object",
            "required": ["scheduler", "worker", "num_workers"],
            "properties": {
                "num_workers": {"type": "integer", "minimum": 1},
                "scheduler": {"type": "object", "properties": {"instance_type": INSTANCE}},
                "worker": {"type": "object", "required": ["instance_type"], "properties": {"instance_type": INSTANCE}},
            },
        },
        "credentials": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,  # references only: no value field
                "required": ["name", "type", "location"],
                "properties": {
                    "name": {"type": "string"},
                    "type": {"enum": ["environment_variable", "file"]},
                    "location": {"type": "string"},
                },
            },
        },
    },
}


@pytest.fixture(scope="module")
def recipe():
    return json.loads((REPO_ROOT / ".saturn" / "saturn.json").read_text())


def test_recipe_matches_the_schema_fields(recipe):
    jsonschema.validate(recipe, RECIPE_SCHEMA)


def test_recipe_is_the_tutorials_setup(recipe):
    assert "jupyter_server" in recipe
    assert recipe["dask_cluster"]["num_workers"] == 3
    assert {"name": "prefect-user-token", "type": "environment_variable", "location": "PREFECT_USER_TOKEN"} in recipe[
        "credentials"
    ]
    assert "PREFECT_CLOUD_PROJECT_NAME" in recipe["environment_variables"]
    assert "environment.yml" in recipe["start_script"]


def test_recipe_installs_the_kernel_the_notebook_names(recipe):
    import nbformat

    from tutorial_kit.tooling.kernel import KERNEL_NAME

    assert nbformat.read(NOTEBOOK, as_version=4).metadata.kernelspec.name == KERNEL_NAME
    assert recipe["start_script"].endswith("python -m tutorial_kit.tooling.kernel --user")


def test_recipe_schema_check_can_fail(recipe):
    for broken in (
        {**recipe, "name": "has spaces"},
        {**recipe, "colour": "red"},
        {**recipe, "credentials": [{"name": "k", "type": "environment_variable", "location": "K", "value": "s3cret"}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, RECIPE_SCHEMA)


def make(*args: str, cwd=REPO_ROOT, path: str | None = None) -> subprocess.CompletedProcess:
    """make as a user runs it: none of the make test's own make variables, no PYTHON from outside."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTHON")}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(["make", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def supported_pythons() -> list[str]:
    out = make("-s", "pythons")
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


REQUIREMENTS = REPO_ROOT / "requirements"
# The packages of the other audiences (tests, lint, browser, JupyterLab, benchmarks), which the run time
# (make run, environment.yml, your own Dask cluster's workers) must not install; and every pytest plugin.
NOT_RUN_TIME = {"pytest", "ruff", "nbval", "moto", "playwright", "jupyterlab", "notebook", "jupyter-server"}
NOT_RUN_TIME |= {"jupyter-lsp", "jupyterlab-server", "notebook-shim", "duckdb", "polars"}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    """A pinned requirements file's {name: version}, names normalized (PEP 503)"""
    found = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", text, re.M)
    return {normalized(name): version for name, version in found}


def pinned(name: str) -> str:
    return (REQUIREMENTS / f"{name}.txt").read_text()


def environment_requirements(text: str) -> list[str]:
    """The requirements files environment.yml's pip section installs"""
    return re.findall(r"^\s*- -r (\S+)$", text, re.M)


def installed_requirements(dry_run: str) -> set[str]:
    """The requirements files a `make -n` would install, by name: {"notebook", "standin", ...}"""
    return set(re.findall(r" -r requirements/(\w+)\.txt", dry_run))


def assert_run_time_only(run_time: dict[str, str], where: str):
    others = sorted(n for n in run_time if n in NOT_RUN_TIME or n.startswith("pytest"))
    assert not others, f"{where} pins packages of the tests, lint, browser, JupyterLab or benchmarks: {others}"


def assert_pins_agree(files: dict[str, dict[str, str]]):
    versions = collections.defaultdict(dict)
    for file, pinned_here in files.items():
        for name, version in pinned_here.items():
            versions[name][file] = version
    differ = {name: where for name, where in versions.items() if len(set(where.values())) > 1}
    assert not differ, f"pinned to different versions in different files: {differ}"


def test_the_pins_are_the_tutorials_and_install_on_every_supported_python():
    env = (REPO_ROOT / "environment.yml").read_text()
    # conda's pip builds pendulum 2 in an isolated build, which works on the oldest supported Python only
    assert re.search(rf"^\s*- python={re.escape(supported_pythons()[-1])}$", env, re.M)
    notebook = pins(pinned("notebook"))
    assert {n: notebook.get(n) for n in ("prefect", "dask-saturn", "prefect-saturn")} == {
        "prefect": "1.4.1",
        "dask-saturn": "0.4.4",
        "prefect-saturn": "0.6.0",
    }
    assert notebook["marshmallow"].startswith("3.") and int(notebook["marshmallow"].split(".")[1]) < 24
    assert int(notebook["pendulum"].split(".")[0]) < 3
    for txt in REQUIREMENTS.glob("*.txt"):
        assert "; " not in txt.read_text(), f"{txt.name}: one file for every supported Python, without markers"


def test_each_audience_has_its_input_and_its_locked_pins():
    inputs = {p.stem for p in REQUIREMENTS.glob("*.in")}
    assert inputs == {p.stem for p in REQUIREMENTS.glob("*.txt")}
    assert {"notebook", "standin", "lab", "tests", "bench"} <= inputs
    for name in inputs:
        assert pinned(name).startswith("# This file was autogenerated by uv"), f"{name}.txt: not from make lock"


def editable_installs(text: str) -> set[str]:
    """The repo's own distributions (their folders) that pip installs editable in ``text``: {".", "./lifeline"}"""
    return {
        folder
        for line in text.splitlines()
        if "install" in line or "- -e" in line
        for folder in re.findall(r"-e (\S+)", line)
    }


def test_the_companion_and_environment_yml_install_no_part_of_the_standin(checkout):
    """The stand-in is the first notebook's offline platform only: the companion's venv (make run-prefect3) and
    Saturn Cloud's environment (environment.yml) hold the kit without it (and lifeline where the companion runs)."""
    assert editable_installs((REPO_ROOT / "environment.yml").read_text()) == {"."}
    companion = make_dry(checkout, "run-prefect3")
    assert editable_installs(companion) == {".", "./lifeline"}
    assert "uninstall --quiet --quiet --yes prefect-saturn-standin" in companion  # an older set-up's, removed
    assert editable_installs(make_dry(checkout, ".venv/.installed")) == {".", "./standin", "./lifeline"}


def test_the_run_time_holds_no_test_lint_browser_or_jupyterlab_package(checkout):
    env = (REPO_ROOT / "environment.yml").read_text()
    assert environment_requirements(env) == ["requirements/notebook.txt"]
    assert_run_time_only(pins(pinned("notebook")), "environment.yml (requirements/notebook.txt)")
    # what make run installs, as make would run it
    run = installed_requirements(make_dry(checkout, "run"))
    assert run == {"notebook", "standin"}
    for name in run:
        assert_run_time_only(pins(pinned(name)), f"make run (requirements/{name}.txt)")


def who_installs_what(makefile: str) -> dict[str, set[str]]:
    """The Makefile's "Who installs what" table: each requirements file and the goals its row names ("every goal but
    make X" is every phony goal that is not)."""
    table = makefile.split("# Who installs what:", 1)[1].split("\n# A later file", 1)[0]
    rows: dict[str, str] = {}
    for line in table.splitlines():
        if found := re.match(r"#   (\w+)\.txt (.*)", line):
            rows[found[1]] = found[2]
        elif rows and re.match(r"#\s{20,}", line):  # a row's continuation
            rows[list(rows)[-1]] += line
    goals = set(re.search(r"^\.PHONY: (.+)$", makefile, re.M)[1].split()) - {"clean", "lock", "pythons", "FORCE"}
    return {
        name: goals - set(re.findall(r"make ([\w-]+)", text))
        if "every goal but" in text
        else set(re.findall(r"make ([\w-]+)", text))
        for name, text in rows.items()
    }


def test_the_makefiles_who_installs_what_is_what_make_installs(checkout):
    table = who_installs_what((checkout / "Makefile").read_text())
    assert set(table) == {path.stem for path in (REPO_ROOT / "requirements").glob("*.in")}
    goals = sorted(set().union(*table.values()))
    with concurrent.futures.ThreadPoolExecutor() as pool:  # one make -n each: a second or so, mostly make's start
        installs = dict(
            zip(goals, pool.map(lambda goal: installed_requirements(make_dry(checkout, goal)), goals), strict=True)
        )
    for name, goals in table.items():
        assert {goal for goal, installed in installs.items() if name in installed} == goals, name


def prefect1_only() -> set[str]:
    """The Makefile's PREFECT1_ONLY: the packages the companion's venv (prefect3.txt) may pin apart from the others,
    because Prefect 1 holds them (prefect itself, pendulum 2, ...)."""
    [names] = re.findall(r"^PREFECT1_ONLY := (.+)$", (REPO_ROOT / "Makefile").read_text(), re.M)
    return {normalized(name) for name in names.split()}


def test_a_package_pinned_in_two_files_has_one_version():
    files = {p.name: pins(p.read_text()) for p in REQUIREMENTS.glob("*.txt")}
    apart = prefect1_only()
    assert {"prefect", "pendulum"} <= apart
    files["prefect3.txt"] = {name: version for name, version in files["prefect3.txt"].items() if name not in apart}
    assert_pins_agree(files)


def test_the_audience_checks_can_fail():
    with pytest.raises(AssertionError, match=r"\['moto', 'pytest-xdist'\]"):
        assert_run_time_only(pins("dask==2026.8.0\nmoto==5.2.5\npytest_xdist==3.8.0\n"), "here")
    with pytest.raises(AssertionError, match="jupyterlab"):
        assert_run_time_only(pins("JupyterLab==4.6.6\n    # via -r lab.in\n"), "here")
    with pytest.raises(AssertionError, match="dask"):
        assert_pins_agree({"a.txt": pins("dask==2026.8.0\n"), "b.txt": pins("dask==2026.9.0\n")})
    assert environment_requirements("  - pip:\n      - -r requirements/tests.txt\n") == ["requirements/tests.txt"]
    assert installed_requirements("pip install --quiet -r requirements/notebook.txt -r requirements/lab.txt") == {
        "notebook",
        "lab",
    }
    assert editable_installs("pip install --no-deps -e . -e ./standin\n  - -e ./lifeline\n") == {
        ".",
        "./standin",
        "./lifeline",
    }


def test_supported_pythons_are_one_list():
    versions = supported_pythons()
    assert versions and versions == sorted(versions, key=lambda v: tuple(map(int, v.split("."))), reverse=True)
    for pyproject in ("pyproject.toml", "standin/pyproject.toml", "lifeline/pyproject.toml"):  # the three distributions
        requires = SpecifierSet(tomllib.loads((REPO_ROOT / pyproject).read_text())["project"]["requires-python"])
        assert [f"3.{m}" for m in range(40, -1, -1) if f"3.{m}.0" in requires] == versions, pyproject
    assert f"{sys.version_info[0]}.{sys.version_info[1]}" in versions, "make test runs on a supported Python"


@pytest.fixture
def checkout(tmp_path):
    """What make needs, in a folder of its own: the real .venv is never touched."""
    for name in ("Makefile", "pyproject.toml", "standin/pyproject.toml", "lifeline/pyproject.toml"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy2(REPO_ROOT / name, tmp_path / name)
    for folder in ("requirements", "tools"):
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder)
    return tmp_path


def assert_one_line_stop(out: subprocess.CompletedProcess, checkout, *says: str):
    lines = (out.stdout + out.stderr).splitlines()
    assert out.returncode != 0 and len(lines) == 1, lines
    for words in ("This project needs Python", "package manager", "pyenv install", "uv python install", *says):
        assert words in lines[0], (words, lines[0])
    assert not (checkout / ".venv").exists()


def listed(versions: list[str]) -> str:
    """'3.11, 3.12 or 3.13'"""
    old_first = versions[::-1]
    return ", ".join(old_first[:-1]) + " or " + old_first[-1] if len(old_first) > 1 else old_first[0]


@pytest.mark.parametrize("goal", ["run", "test"])
def test_no_such_python_stops_at_once_with_one_line(checkout, goal):
    out = make(goal, "PYTHON=no-such-python3", cwd=checkout)
    assert_one_line_stop(out, checkout, "PYTHON=no-such-python3 does not run a Python", listed(supported_pythons()))


def test_a_python_of_another_version_stops_at_once_with_one_line(checkout):
    # this very Python, while make supports only a version it is not
    out = make("run", f"PYTHON={sys.executable}", "SUPPORTED_PYTHONS=3.99", cwd=checkout)
    assert_one_line_stop(out, checkout, f"is Python {sys.version.split()[0]}", "needs Python 3.99:")


def test_python310_stops_at_once_with_one_line(checkout):
    found = subprocess.run([REPO_ROOT / "tools" / "find-python", "python3.10", "3.10"], capture_output=True, text=True)
    if found.returncode != 0:
        pytest.skip(f"no python3.10 here: {found.stdout}")
    out = make("run", "PYTHON=python3.10", cwd=checkout)
    assert_one_line_stop(out, checkout, "PYTHON=python3.10 is Python 3.10.", listed(supported_pythons()))


def test_no_supported_python_on_the_path_stops_at_once_with_one_line(checkout, tmp_path_factory):
    bare = tmp_path_factory.mktemp("bin")
    for tool in ("sh", "make", "sort", "sed", "tr"):
        (bare / tool).symlink_to(shutil.which(tool))
    out = make("run", "SUPPORTED_PYTHONS=3.99 3.98", cwd=checkout, path=str(bare))
    assert_one_line_stop(out, checkout, "None of python3.99 python3.98 is on the PATH", "Python 3.98 or 3.99:")


def make_dry(checkout, *args: str, path: str | None = None) -> str:
    """What make would run, without running it"""
    out = make("-n", *args, cwd=checkout, path=path)
    assert out.returncode == 0, out.stderr
    return out.stdout


def dry_setup(checkout, *args: str, path: str | None = None) -> str:
    return make_dry(checkout, ".venv/.installed", *args, path=path)


def test_without_python_make_takes_the_newest_supported_one_it_finds(checkout, tmp_path_factory):
    this = f"{sys.version_info[0]}.{sys.version_info[1]}"
    real = os.path.realpath(sys.executable)
    bin_ = tmp_path_factory.mktemp("bin")
    (bin_ / f"python{this}").symlink_to(real)
    (bin_ / "python3.99").symlink_to(real)  # named as a newer version, but is not: passed over
    path = f"{bin_}:/usr/bin:/bin"
    picked = dry_setup(checkout, "SUPPORTED_PYTHONS=3.99 3.98 " + this + " 3.0", path=path)
    assert f"Setting up .venv with Python {sys.version.split()[0]} {bin_}/python{this}'" in picked
    assert f"{bin_}/python{this} -m venv .venv" in picked


def test_the_venv_is_made_again_unless_the_same_python_finished_it(checkout):
    python = f"PYTHON={sys.executable}"
    found = subprocess.run(
        [checkout / "tools" / "find-python", sys.executable, *supported_pythons()],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stamp = checkout / ".venv" / ".installed"
    fresh = f"rm -rf .venv && {found.split()[1]} -m venv .venv"

    # no venv, or one whose set-up failed half-way (no stamp): from nothing
    assert fresh in dry_setup(checkout, python)
    (checkout / ".venv" / "bin").mkdir(parents=True)
    assert fresh in dry_setup(checkout, python)

    # finished by this Python, nothing changed since: nothing to do
    stamp.write_text(found + "\n")
    assert dry_setup(checkout, python) == "make: '.venv/.installed' is up to date.\n"

    # a run-time requirements file changed: only the installs, into the same venv
    later = stamp.stat().st_mtime + 10
    os.utime(checkout / "requirements" / "notebook.txt", (later, later))
    update = dry_setup(checkout, python)
    assert "-m pip" in update and "-r requirements/notebook.txt" in update
    assert "-m venv" not in update and "rm -rf" not in update

    # made by another Python (PYTHON= changed), however new its stamp: from nothing
    stamp.write_text("3.11.0 /elsewhere/bin/python3.11\n")
    os.utime(stamp, (later + 10, later + 10))
    assert fresh in dry_setup(checkout, python)


def test_a_user_kernel_loads_in_a_jupyter_without_the_kit(tmp_path, monkeypatch):
    """The recipe's `--user` kernel is read by Saturn's own Jupyter, whose environment holds no tutorial-kit: its spec
    names no provisioner (jupyter_client refuses a spec whose provisioner it lacks); this environment's own does."""
    from jupyter_client.kernelspec import KernelSpecManager

    from tutorial_kit.tooling import kernel

    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "user"))
    folder = kernel.install(user=True)
    assert folder.is_relative_to(tmp_path / "user")
    spec = json.loads((folder / "kernel.json").read_text())
    assert "kernel_provisioner" not in spec["metadata"], spec
    assert KernelSpecManager(kernel_dirs=[str(folder.parent)]).get_kernel_spec(kernel.KERNEL_NAME).argv[0]
    own = kernel.install(prefix=str(tmp_path / "env"))
    assert json.loads((own / "kernel.json").read_text())["metadata"]["kernel_provisioner"] == {
        "provisioner_name": kernel.PROVISIONER_NAME
    }
