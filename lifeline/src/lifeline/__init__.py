"""Helper servers that end with the process that started them (``child``, ``parent``), the address file of a shared
server (``address``), and per-run homes swept once their run is gone (``homes``). The standard library only; it
imports neither the stand-in nor the tutorial's kit, which both import it."""
