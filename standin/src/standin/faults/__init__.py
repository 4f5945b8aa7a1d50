"""The fault room: make the stand-in fail the way the real platforms do, on purpose, for tests.

TEST-ONLY. Nothing arms a fault unless a test asks for it, in one of two ways:

- ``STANDIN_FAULTS``, a JSON list read once when the stand-in starts, so that a papermill run
  can start with a fault already armed (``STANDIN_FAULTS='[{"action": "unauthorized",
  "api": "saturn"}]' papermill ...``); a malformed value stops the stand-in at start;
- the control endpoint ``/_standin/faults`` (``POST`` a JSON list or object to arm, ``GET`` to
  list with hit counts, ``DELETE`` to clear), on the stand-in's loopback port and only with its own
  Saturn token (``Authorization: token <SATURN_TOKEN>``). See ``responses.FaultsHandler``.

A fault is a JSON object. What it does (``action``):

========================  =====================================================================
``error``                 answer ``status`` (default 500) with ``message``: Saturn's
                          ``{"message"}`` body, or Prefect's ``{"errors": [...]}``
``unauthorized``          answer exactly as for a wrong token: Saturn's 401, Prefect's
                          ``UNAUTHENTICATED`` GraphQL error
``cluster_error``         ``POST /api/dask_clusters`` answers ``{"status": "error", "errors":
                          errors}`` and starts nothing (``errors``: a non-empty list of strings)
``cluster_pending``       ``POST /api/dask_clusters`` starts the cluster as usual but answers
                          ``"pending"`` (``times`` polls; default 1), then ``"ready"``
``kill_worker``           SIGKILL the worker process of a stand-in-started ``LocalCluster`` that a
                          task (whose key matches the regex ``task``, default any) was given,
                          ``delay`` seconds (default 0) after it was given it, if it still has it
========================  =====================================================================

Which requests it hits (all optional; a missing field matches anything): ``api``
(``"saturn"`` or ``"prefect"``), ``method``, ``path`` (a regex the whole path must match),
``operation`` (a GraphQL root field, e.g. ``"create_project"``; Prefect only). How long it lasts:
``times`` (hits before it is spent, e.g. 1 for "once"; default unlimited, 1 for
``cluster_pending`` and ``kill_worker``) and ``seconds`` (from arming). ``name`` labels it in the
stand-in's log (``fault NAME: ...``) and in ``GET``.

What the clients do with an error answer (so that no test waits for a retry loop): dask-saturn
and prefect-saturn (and prefect's Webhook storage) do not retry a 500, and raise at once;
prefect's GraphQL client retries 500-504 at once, then after 2, 4, 8, 16 and 32 s (62 s in
all), so a GraphQL ``error`` fault meant to be survived is ``"times": 1``; a 429 makes prefect
sleep about 3 minutes: do not inject one. dask-saturn sleeps 5-9 s, then 10-19 s, ... between
``cluster_pending`` polls.

Where things are. moto's ``moto_api`` is the model: a service of its own, not threads woven
through each API. ``models.py`` holds the faults and their matching; ``responses.py`` and
``urls.py``, the control endpoint; ``cluster_create.py``, what ``cluster_error`` and
``cluster_pending`` do to a cluster create; ``kill_worker.py``, the scheduler plugin that carries
out ``kill_worker``; ``exceptions.py``, the room's errors.

How faults reach a request. The room registers a request hook (``hook.py``) that the request
pipeline (``core/responses.py``, step 4) calls once per request of either API, after the token
check; the pipeline itself never imports the room. The hook answers ``error`` and
``unauthorized`` itself, in the shape of the API that was called. The other actions need the
Saturn cluster code to act, which the room cannot reach without knowing that code, so the
coupling is kept to two explicit points:

- ``cluster_error`` and ``cluster_pending`` change what creating a cluster does (start nothing,
  or report "pending"). The pipeline leaves the matched fault in ``self.fault``, and only
  ``saturn/responses.ClustersHandler`` reads it: it hands the create to the fault
  (``Fault.create_cluster``, ``cluster_create.py``), which calls the Saturn backend's public
  methods.
- ``kill_worker`` acts inside a Dask cluster, on no request. ``saturn/clusters.py`` installs its
  plugin (``FaultSet.scheduler_plugin``) in each ``LocalCluster`` it starts, and never in a
  cluster the user runs.
"""

from .exceptions import FaultSpecError
from .hook import request_hook
from .models import FaultSet

__all__ = ["FaultSet", "FaultSpecError", "request_hook"]
