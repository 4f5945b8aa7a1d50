"""The pages' pictures, drawn on the server as SVG (no JavaScript, nothing fetched at page time):
what Prefect Cloud 1.x showed where its users looked rather than read.

- ``schematic.py``: a flow version's tasks and edges, left to right in layers (where each box and
  edge goes: ``layout.py``); a mapped task is a stacked box, a parameter a lighter one, and each
  resource manager's ``setup`` and ``cleanup`` with the tasks between them sit in a dashed frame
  named after the manager;
- ``history.py``: the flow's last runs, one bar each (height: duration, colour: state), each a
  link to the run's page;
- ``timeline.py``: a run's task runs in time, one bar each (start to end, colour: state), a
  mapped task's children in lanes under their task;
- ``palette.py``: the state colours, which the pages' state badges share;
- ``svg.py``: what the pictures share: the document, the legend, bars, words for durations.

Each picture is a layout (plain geometry, which the unit tests check) and its rendering; every
text is XML-escaped. The schematic's layout is our own small layered one: a flow has a few
tasks, and the libraries that lay out graphs either need Graphviz's binary or are no longer kept.
"""
