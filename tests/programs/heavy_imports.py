"""Which of pandas, numpy, dask and pyarrow importing the given modules loads
(tests/component/test_sample_data.py).

Usage: ``python tests/programs/heavy_imports.py MODULE...``; prints the sorted list of those loaded.
"""

import importlib
import sys

for module in sys.argv[1:]:
    importlib.import_module(module)
print(sorted(m for m in ("pandas", "numpy", "dask", "pyarrow") if m in sys.modules))
