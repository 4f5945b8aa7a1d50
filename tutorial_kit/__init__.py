"""What the tutorial's notebooks need that is not the tutorial itself, laid out by who uses it
(the local stand-in of Saturn Cloud and Prefect Cloud is a distribution of its own, ``standin/``,
of which the kit imports only the public client, ``standin.client``):

- ``notebook/``: what the notebook imports (parameter checks, the platform, the data's checks,
  progress, the run read back, the result's display);
- ``prefect3/``: what the Prefect 3 companion imports beyond the first notebook's checks (its server,
  its connection, its deployment);
- ``generator/``: the generated taxi data (the bundled sample, a month for the benchmark);
- ``tooling/``: the Makefile's, the tests' and the benchmarks' helpers, and the Jupyter kernel.

``paths.py`` owns the repo's paths, ``exceptions.py`` the errors a user reads, ``files.py`` the
one atomic write, ``whole_numbers.py`` the one whole-number check; ``shims/`` holds the kit's
uses of libraries' private parts.
"""
