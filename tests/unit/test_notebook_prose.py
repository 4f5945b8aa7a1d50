"""A notebook's prose says what its code does: it names the constants its code defines rather than restating their
values (and where it gives a value, the value is the code's), its parameters' help gives the bounds the checks
enforce, and each step of the README's "What the notebook does" names calls that the notebook's code makes.

Why: the notebook is the lesson, read beside its code; a block size, a bound or a call changed in the code left the
sentence above it saying the old one, and the reader believes the sentence.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from support.markdown import read_page
from tutorial_kit.notebook import parameters
from tutorial_kit.paths import NOTEBOOK, PREFECT3_NOTEBOOK, REPO_ROOT

NOTEBOOKS = {"prefect-resource-manager": NOTEBOOK, "prefect3-dask-cluster": PREFECT3_NOTEBOOK}
README = REPO_ROOT / "README.md"
#: The README's section that walks through the notebook, step by step.
STEPS_HEADING = "What the notebook does"

_SIZE = re.compile(r"\b(\d+(?:\.\d+)?)\s?([KMG])i?B\b")
_RANGE = re.compile(r"\b1 to (\d+)\b")
_COUNT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_COLUMN_COUNT = re.compile(rf"\b({'|'.join(_COUNT_WORDS)}|\d+) columns\b")
_CODE_SPAN = re.compile(r"`([^`]+)`")
_IDENTIFIER = re.compile(r"[A-Za-z_][\w.]*(?:\(\))?")


def code_of(nb) -> str:
    """The notebook's Python code cells as one module (IPython's line magics blanked; a cell magic's cell, such as
    ``%%bash``, is not Python)."""
    lines = []
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.source.startswith("%%"):
            lines += ["" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines()]
    return "\n".join(lines)


def constants_of(code: str) -> dict[str, object]:
    """The UPPER_CASE names the code assigns a literal to, with their values."""
    found = {}
    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name.isupper():
                try:
                    found[name] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return found


def prose_of(nb) -> list[tuple[str, str]]:
    """What a reader reads: each markdown cell, and each comment of a code cell, with where it is."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            found.append((f"cell {index}", cell.source))
        elif cell.cell_type == "code":
            found += [(f"cell {index}", line.split("#", 1)[1]) for line in cell.source.splitlines() if "#" in line]
    return found


def size_in_bytes(number: str, unit: str) -> float:
    return float(number) * 1024 ** "KMG".index(unit.upper()[0]) * 1024


def constant_problems(nb) -> list[str]:
    """Constants the markdown does not name, and values the prose gives that are not the code's."""
    constants = constants_of(code_of(nb))
    markdown = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    problems = [
        f"{name}: the code defines it and no markdown cell names it" for name in constants if name not in markdown
    ]
    sizes = {
        size_in_bytes(*found.groups()): name
        for name, value in constants.items()
        if isinstance(value, str) and (found := _SIZE.fullmatch(value.replace(" ", "")))
    }
    column_lists = {name: value for name, value in constants.items() if "COLUMNS" in name and isinstance(value, list)}
    for where, text in prose_of(nb):
        for found in _SIZE.finditer(text):
            if size_in_bytes(*found.groups()) not in sizes:
                names = ", ".join(sizes.values()) or "none"
                problems.append(f"{where}: says {found[0]}, a size the code does not have (its sizes: {names})")
        for found in _COLUMN_COUNT.finditer(text):
            count = _COUNT_WORDS.get(found[1]) or int(found[1])
            if column_lists and count not in {len(v) for v in column_lists.values()}:
                problems.append(f"{where}: says {found[0]}, the code reads {len(next(iter(column_lists.values())))}")
    return problems


#: Each parameter's bound, as the checks enforce it (tutorial_kit/notebook/parameters.py owns them).
BOUNDS = {
    "n_workers": parameters.MAX_WORKERS,
    "username": parameters.MAX_USERNAME_LENGTH,
    "project": parameters.MAX_PROJECT_NAME_LENGTH,
}


def bound_problems(lines: list[str], where: str) -> list[str]:
    """Each ``1 to N`` said of a parameter on its line (its comment in the parameters cell, its row in the README's
    table) must be that parameter's bound."""
    problems = []
    for line in lines:
        name = next((p for p in BOUNDS if re.match(rf"\s*\|?\s*`?{p}\b", line)), None)
        for found in _RANGE.finditer(line) if name else ():
            if int(found[1]) != BOUNDS[name]:
                problems.append(f"{where}: {name}: says 1 to {found[1]}, its check allows 1 to {BOUNDS[name]}")
    return problems


def readme_steps(text: str) -> list[str]:
    """The numbered steps of the README's section :data:`STEPS_HEADING`."""
    section = text.split(f"## {STEPS_HEADING}\n", 1)[1].split("\n## ", 1)[0]
    return [" ".join(step.split()) for step in re.split(r"^\d+\. ", section, flags=re.M)[1:]]


def names_used(code: str) -> set[str]:
    """Every name and attribute the code uses or defines, and its string constants (environment variables)."""
    found = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.alias):
            found.add((node.asname or node.name).split(".")[-1])
    return found


def step_problems(steps: list[str], code: str, kit_code: str) -> list[str]:
    """Each step must name at least one call or name of the notebook's code, and every name it quotes must be one the
    notebook's code (or, for an environment variable, the kit it imports) uses. Shell commands are not checked here:
    a step may say what the platform runs."""
    used, problems = names_used(code), []
    for number, step in enumerate(steps, 1):
        quoted = [span for span in _CODE_SPAN.findall(step) if _IDENTIFIER.fullmatch(span)]
        names = [span.removesuffix("()").split(".")[-1] for span in quoted]
        for span, name in zip(quoted, names, strict=True):
            if name.isupper() and name in kit_code:
                continue  # an environment variable the kit reads
            if name not in used:
                problems.append(f"step {number}: `{span}` is not in the notebook's code")
        if not any(name in used for name in names):
            problems.append(f"step {number}: names no call of the notebook's code: {step[:80]}...")
    return problems


def kit_source() -> str:
    """The kit's code: where the notebook's environment variables are read."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(REPO_ROOT.glob("tutorial_kit/**/*.py")))


# -- the tests -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_notebooks_prose_names_its_constants_and_gives_their_values(name):
    problems = constant_problems(nbformat.read(NOTEBOOKS[name], as_version=4))
    assert not problems, f"{name}.ipynb:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_parameters_help_gives_the_checks_bounds(name):
    nb = nbformat.read(NOTEBOOKS[name], as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    problems = bound_problems(cell.source.splitlines(), f"{name}.ipynb's parameters cell")
    assert not problems, "\n".join(problems)


def test_the_readmes_parameters_table_gives_the_checks_bounds():
    problems = bound_problems(README.read_text(encoding="utf-8").splitlines(), "README.md")
    assert not problems, "\n".join(problems)


def default_problems(readme: str, defaults: dict[str, str]) -> list[str]:
    """The README's parameter table gives each default as the parameters cell writes it: every literal of the cell's
    default (a variable's name, the value without it) is in the row's default column. ``defaults``: papermill's."""
    problems = []
    for name, default in defaults.items():
        row = re.search(rf"^\| `{name}` \| ([^|]*) \|", readme, re.M)
        if row is None:
            problems.append(f"{name}: no row in the README's parameter table")
            continue
        literals = [
            n.value for n in ast.walk(ast.parse(default)) if isinstance(n, ast.Constant) and n.value is not None
        ]
        problems += [
            f"{name}: its default has {v!r}, the README's row says {row[1]!r}" for v in literals if str(v) not in row[1]
        ]
    return problems


def test_the_readmes_parameter_table_gives_the_cells_defaults():
    import papermill

    defaults = {name: p["default"] for name, p in papermill.inspect_notebook(str(NOTEBOOK)).items()}
    problems = default_problems(README.read_text(encoding="utf-8"), defaults)
    assert not problems, "\n".join(problems)
    stale = "| `username` | `$SATURN_USERNAME`, else `data-engineer` | ... |\n"
    assert default_problems(stale, {"username": 'os.environ.get("SATURN_USERNAME", "saturn-user")'}) == [
        "username: its default has 'saturn-user', the README's row says '`$SATURN_USERNAME`, else `data-engineer`'"
    ]


def test_each_readme_step_names_calls_of_the_notebook():
    assert STEPS_HEADING in read_page(README).headings
    steps = readme_steps(README.read_text(encoding="utf-8"))
    assert len(steps) >= 5, f"README.md's {STEPS_HEADING!r} has {len(steps)} steps"
    problems = step_problems(steps, code_of(nbformat.read(NOTEBOOK, as_version=4)), kit_source())
    assert not problems, f"README.md, {STEPS_HEADING!r}:\n" + "\n".join(problems)


def test_the_checks_see_todays_stale_sentences():
    """Each check on sentences the repo held once: the read cell's markdown with its old block size and no name for
    the constants, a parameter's old bound, and the README's step 5 after the run cell changed."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("reads two columns, in 64 MiB blocks so that a worker holds one at a time"),
        nbformat.v4.new_code_cell(
            'COLUMNS = ["VendorID", "passenger_count", "total_amount"]\nBLOCKSIZE = "48MiB"  # blocks of 48 MiB\n'
            "run = prefect_client.create_flow_run(flow_id=flow_id)\nwait_for_flow_run(run)"
        ),
    ]
    assert constant_problems(nb) == [
        "COLUMNS: the code defines it and no markdown cell names it",
        "BLOCKSIZE: the code defines it and no markdown cell names it",
        "cell 0: says 64 MiB, a size the code does not have (its sizes: BLOCKSIZE)",
        "cell 0: says two columns, the code reads 3",
    ]
    assert bound_problems(["n_workers: int = 3  # Dask workers: 1 to 16"], "cell") == [
        f"cell: n_workers: says 1 to 16, its check allows 1 to {parameters.MAX_WORKERS}"
    ]
    stale_step = (
        "Runs it the way Prefect Cloud does: `prefect run ... --watch` creates a run, Saturn's agent starts "
        "`prefect execute flow-run` for it"
    )
    fixed_step = "Runs it: `create_flow_run` creates a run, and `wait_for_flow_run` prints its states"
    code = code_of(nb)
    assert step_problems([stale_step, fixed_step, "Reads `task_result` back"], code, kit_code="") == [
        "step 1: names no call of the notebook's code: " + stale_step[:80] + "...",
        "step 3: `task_result` is not in the notebook's code",
        "step 3: names no call of the notebook's code: Reads `task_result` back...",
    ]
