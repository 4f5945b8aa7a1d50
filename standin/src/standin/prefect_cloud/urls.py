"""Tornado routes of the Prefect Cloud 1.x stand-in.

Mounted at the root of the stand-in's Application, so prefect's API URL
(``PREFECT__CLOUD__API``) is ``http://HOST:PORT/graphql``. prefect 1.4.1 posts to
``urljoin(api, "").rstrip("/")``, i.e. exactly that URL; a trailing slash is
accepted too.
"""

from __future__ import annotations

from ..client.protocol import GRAPHQL_PATH
from .models import PrefectCloudBackend
from .responses import GraphQLHandler


def url_patterns(backend: PrefectCloudBackend) -> list:
    return [(rf"{GRAPHQL_PATH}/?", GraphQLHandler, {"backend": backend})]
