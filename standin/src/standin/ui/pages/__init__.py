"""The pages of the emulated Prefect Cloud UI, rendered on the server from the backend's records
(tornado templates, no JavaScript): what the tutorial's users looked at in Prefect Cloud. One
module per family of pages, on the handler they share (``base.py``).

- ``/ui/<slug>/``: the tenant's projects and their flows (``flows.py``);
- ``/ui/<slug>/flow/<flow group id>``: a flow (the URL ``flow.register`` prints): its runs, newest
  first, its versions, and **Quick Run**, which creates a run as ``prefect run`` does (the agent
  then runs it) and goes to its page (``flows.py``);
- ``/ui/<slug>/flow-run/<id>``: a run (the URL ``prefect run`` prints): its state history, its task
  runs (mapped children grouped under their task), its logs; it refreshes itself until the run ends
  (``flow_runs.py``);
- ``/ui/<slug>/agents``: Prefect Cloud's agents page: every agent that registered with the
  backend (Saturn's, and any a user starts, e.g. ``prefect agent local start``), its labels and
  its last query (``agents.py``);
- ``/ui/saturn/prefect-cloud-agent``: Saturn Cloud's "Prefect Cloud Agent" page: the agent Saturn
  runs for the user, its status, the runs it submitted and its log (``agents.py``).

What grows with the history (runs, logs, task runs, agents) is shown a page at a time, newest
first, with the total (``?page=N``; :data:`PAGE_SIZE` rows). A flow's runs and a run's logs are
asked of the backend a page only (a slice of an index, and a count), so those pages cost the same
after 10,000 runs as after ten (``benchmarks/pages.py``); the agents, and a run's task runs (which
its timeline draws all of), are read whole and sliced here.

Access, the way Jupyter does it: a session cookie (signed, HttpOnly, SameSite=Strict) that a
ticket in the URL prefect prints sets (``client/tickets.py``), or that the login page sets from the
key itself (``login.py``). Without it, every page is the login page (401), and no data. Every change (Quick Run, log
in) is a POST that carries tornado's XSRF token, checked here. No key is ever written into a page.
"""
