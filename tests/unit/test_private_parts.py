"""No private attribute of dask, distributed, dask-saturn, prefect or pytest anywhere in the repo but in
its shims (``tutorial_kit/shims/``, ``standin/src/standin/shims/`` and ``standin/src/standin/client/dask_saturn.py``),
where each use has a test that fails when the library changes it. A library's next release may move
its private parts without a word; a shim is where that shows.

Read from the source with ``ast``, in every Python file and notebook of the checkout: the kit, the
stand-in, lifeline, the three test suites and their programs, the benchmarks, ``conftest.py``. What counts as a
library's private part (a name with one leading underscore):

- imported from a library (``from prefect.storage.webhook import _render_dict``);
- read or set on a name that a library's import bound, or that was assigned from one
  (``prefect.Client()._api_server_slug``, ``integration._hash_flow = ...``);
- read or set on anything else when no code of the repo that the file can see defines that name
  (its own file, and for a test, benchmark or program the repo's modules it imports);
- a method of that name, defined in a class whose base is a library's and called by none of the file's
  code: a private hook of the library's, overridden;
- a dotted path into a library in a string (``monkeypatch.setattr("prefect.x._y", ...)``).

Not counted: the standard library's (``sys._getframe``, a named tuple's ``_replace``).
"""

from __future__ import annotations

import ast
import functools
import os
import re
import sys
from pathlib import Path

import nbformat

from tutorial_kit.paths import REPO_ROOT

#: The libraries whose private parts go through a shim, as imported.
LIBRARIES = ("dask", "distributed", "dask_saturn", "prefect", "prefect_saturn", "pytest", "_pytest")
#: Where their private parts may be used: the shims.
SHIMS = ("tutorial_kit/shims/", "standin/src/standin/shims/", "standin/src/standin/client/dask_saturn.py")
#: Each distribution's package: a file in one sees the private names its package defines.
PACKAGES = {"tutorial_kit/": "tutorial_kit", "standin/src/standin/": "standin/src/standin"}
#: Where the repo's own modules are, by import name (tests/ holds ``support``).
FIRST_PARTY = {"tutorial_kit": REPO_ROOT, "standin": REPO_ROOT / "standin" / "src", "support": REPO_ROOT / "tests"}
#: The standard library's underscore names that are public API: a named tuple's.
NAMED_TUPLE_API = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}
#: A folder never searched: what the set-up and the runs write, and caches.
SKIPPED = {"output", "__pycache__", "build", "node_modules"}
IN_A_STRING = re.compile(rf"^(?:{'|'.join(LIBRARIES)})(?:\.\w+)*\._[A-Za-z]\w*")


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def repo_files(suffix: str) -> list[str]:
    """The checkout's files ending in ``suffix`` (relative paths), less hidden folders (venvs,
    caches) and ``SKIPPED``."""
    found = []
    for folder, subfolders, files in os.walk(REPO_ROOT):
        subfolders[:] = [s for s in subfolders if not s.startswith(".") and s not in SKIPPED]
        subfolders[:] = [s for s in subfolders if not s.endswith(".egg-info")]
        found += [Path(folder, f).relative_to(REPO_ROOT).as_posix() for f in files if f.endswith(suffix)]
    return sorted(found)


def source_of(path: str) -> str:
    """A Python file's text, or a notebook's code cells with IPython's ``%`` and ``!`` lines left out."""
    if not path.endswith(".ipynb"):
        return (REPO_ROOT / path).read_text(encoding="utf-8")
    cells = nbformat.read(REPO_ROOT / path, as_version=4).cells
    code = [c.source for c in cells if c.cell_type == "code" and not c.source.startswith("%%")]
    return "\n".join(line for text in code for line in text.splitlines() if not line.lstrip().startswith(("%", "!")))


def root_name(node: ast.AST) -> str | None:
    """The name an expression starts from: ``a`` for ``a.b().c[0]``; ``super`` for ``super().x``."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


@functools.cache
def names_in_file(file: Path) -> frozenset[str]:
    return frozenset(defined_names(ast.parse(file.read_text(encoding="utf-8"))))


@functools.cache
def names_in_package(package: Path) -> frozenset[str]:
    return frozenset().union(*(names_in_file(file) for file in package.rglob("*.py")))


def defined_names(tree: ast.AST) -> set[str]:
    """The private names a module defines: functions, classes, assigned names and attributes of
    ``self`` or ``cls``, parameters, import aliases."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and root_name(node) in ("self", "cls"):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
    return {n for n in names if private(n)}


def module_file(module: str) -> list[Path]:
    """The repo's files of a first-party module (a package's ``__init__.py`` or a module's file)."""
    top, *rest = module.split(".")
    if top not in FIRST_PARTY:
        return []
    base = FIRST_PARTY[top].joinpath(top, *rest)
    return [p for p in (base / "__init__.py", base.with_suffix(".py")) if p.is_file()]


def visible_names(path: str, tree: ast.AST) -> set[str]:
    """The private names the repo defines where ``path`` can see them (see the module docstring)."""
    names = defined_names(tree)
    for prefix, package in PACKAGES.items():
        if path.startswith(prefix):
            names |= names_in_package(REPO_ROOT / package)
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for module in modules:
            for file in module_file(module):
                names |= names_in_file(file)
    return names


def library_bound(tree: ast.AST) -> set[str]:
    """Names bound to a library's modules or objects: by its import, or assigned from such a name."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            for alias in node.names:
                if (module or alias.name).split(".")[0] in LIBRARIES and not getattr(node, "level", 0):
                    bound.add(alias.asname or alias.name.split(".")[0])
    for _ in range(3):  # a chain of assignments, a few deep
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and root_name(node.value) in bound:
                bound |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return bound


class Finder(ast.NodeVisitor):
    """Finds the uses of libraries' private parts in one file (``found``: ``path:line: what``)."""

    def __init__(self, path: str, tree: ast.AST):
        self.path = path
        self.bound, self.visible = library_bound(tree), visible_names(path, tree)
        self.stdlib = set(sys.stdlib_module_names) - self.bound
        self.called = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load)}
        self.in_library_class = False
        self.found: list[str] = []

    def report(self, node: ast.AST, what: str) -> None:
        self.found.append(f"{self.path}:{node.lineno}: {what}")

    def check(self, node: ast.AST, name: str, owner: ast.AST) -> None:
        """``owner.name``, or ``getattr(owner, "name")``."""
        root = root_name(owner)
        if not private(name) or name in NAMED_TUPLE_API or root in self.stdlib:
            return
        on_itself = (isinstance(owner, ast.Name) and owner.id in ("self", "cls")) or (
            isinstance(owner, ast.Call) and root == "super"
        )
        if on_itself and not self.in_library_class:
            return
        if root in self.bound or name not in self.visible:
            self.report(node, ast.unparse(node)[:100])

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        outer, self.in_library_class = self.in_library_class, any(root_name(b) in self.bound for b in node.bases)
        for item in node.body:
            method = isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            if self.in_library_class and method and private(item.name) and item.name not in self.called:
                self.report(item, f"{node.name}.{item.name} overrides a library's private hook")
        self.generic_visit(node)
        self.in_library_class = outer

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        parts = (node.module or "").split(".")
        if parts[0] in LIBRARIES and not node.level and any(map(private, parts + [a.name for a in node.names])):
            self.report(node, ast.unparse(node))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            parts = alias.name.split(".")
            if parts[0] in LIBRARIES and any(map(private, parts)):
                self.report(node, ast.unparse(node))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.check(node, node.attr, node.value)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = node.args[1] if len(node.args) > 1 else None
        by_name = isinstance(node.func, ast.Name) and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
        if by_name and isinstance(name, ast.Constant) and isinstance(name.value, str):
            self.check(node, name.value, node.args[0])
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and IN_A_STRING.match(node.value):
            self.report(node, repr(node.value))


def uses_in(path: str) -> list[str]:
    """Each use of a library's private part in the file at ``path``: ``path:line: what``."""
    tree = ast.parse(source_of(path))
    finder = Finder(path, tree)
    finder.visit(tree)
    return finder.found


def test_no_private_part_of_a_library_outside_the_shims():
    files = [p for p in repo_files(".py") + repo_files(".ipynb") if not p.startswith(SHIMS)]
    assert len(files) > 100, "too few files found: has the layout changed?"
    uses = [use for path in files for use in uses_in(path)]
    assert not uses, "private parts of libraries outside the shims (use or add a shim):\n" + "\n".join(uses)


def test_the_check_finds_each_kind_of_use(tmp_path, monkeypatch):
    """Each kind the module docstring lists, in a file of its own, is found; the repo's own and the
    standard library's are not."""
    uses = {
        "imported": "from prefect.storage.webhook import _render_dict\n",
        "on_a_library_name": "import prefect\nslug = prefect.Client()._api_server_slug\n",
        "assigned": "from prefect_saturn import PrefectCloudIntegration\ni = PrefectCloudIntegration('p')\n"
        "i._hash_flow = None\n",
        "unknown": "def f(expr):\n    return expr._name\n",
        "hook": "from distributed.diagnostics.progressbar import TextProgressBar\n"
        "class Bar(TextProgressBar):\n    def _draw_bar(self, **kwargs):\n        pass\n",
        "string": "def test(monkeypatch):\n    monkeypatch.setattr('prefect.backend.execution._x', None)\n",
        "getattr": "def f(cluster):\n    return getattr(cluster, '_instances')\n",
        "through_self": "class A:\n    def f(self):\n        return self.cluster._correct_state()\n",
    }
    fine = {
        "ours": "class A:\n    def __init__(self):\n        self._x = 1\n\n    def f(self, other):\n"
        "        return other._x\n",
        "stdlib": "import sys\nframe = sys._getframe(1)\n",
        "named_tuple": "def f(row):\n    return row._replace(a=1)\n",
    }
    monkeypatch.setattr(sys.modules[__name__], "REPO_ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGES", {})
    for name, text in {**uses, **fine}.items():
        (tmp_path / f"{name}.py").write_text(text)
    found = {name for name in {**uses, **fine} if uses_in(f"{name}.py")}
    assert found == set(uses)
