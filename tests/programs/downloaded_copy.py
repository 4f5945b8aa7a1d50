"""Where ``inspect_trips`` keeps its copy of a file from a server that ignores Range requests, in a
process of its own (tests/component/test_trips.py checks that the copy is gone once it has exited).

Usage: ``python tests/programs/downloaded_copy.py URL``; prints the copy's path.
"""

import sys

from tutorial_kit.notebook.trips import inspect_trips
from tutorial_kit.tooling.notebook_code import reads_constants

reads = reads_constants()
print(inspect_trips(sys.argv[1], reads["COLUMNS"], reads["DTYPES"]).paths[0])
