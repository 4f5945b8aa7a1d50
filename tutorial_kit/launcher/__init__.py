"""Starting or finding a stand-in, from the notebook's kernel, a test, a benchmark or a shell:
``process.py`` starts a private one and stops it, ``shared.py`` finds the shared one
(``make standin``) and prints the ``export`` lines for a shell, ``tickets.py`` makes the URLs of
its pages, ``protocol.py`` holds the names both sides agree on. Nothing here imports the
emulator (``tutorial_kit/standin/``): the notebook's kernel never loads tornado or graphql-core.
"""
