"""Make ``tutorial_kit`` unimportable in this process (on ``PYTHONPATH``, Python runs this at start).

The external-cluster test starts its Dask scheduler and workers with it: a user's own cluster has
dask, pandas, pyarrow and the filesystem libraries, and not this repository, so nothing the
notebook sends to the workers may need ``tutorial_kit`` to unpickle or run.
"""

import sys


class _NoTutorialKit:
    def find_spec(self, name, path=None, target=None):
        if name == "tutorial_kit" or name.startswith("tutorial_kit."):
            raise ModuleNotFoundError(f"No module named {name!r}: this Dask worker has no tutorial_kit", name=name)
        return None


sys.meta_path.insert(0, _NoTutorialKit())
