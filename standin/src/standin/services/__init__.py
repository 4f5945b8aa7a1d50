"""The emulated platform's background services, each a small class with an ``async run()``
that the stand-in's server starts and stops (Prefect Server's "towel" services are the model):

- ``agent.py``: Saturn's Prefect agent, which runs each flow run with ``prefect execute flow-run``;
- ``scheduler.py``: creates the runs of flows that have a schedule, as Prefect Cloud did;
- ``zombie_killer.py``: fails the runs whose process stopped heart-beating.
"""
