"""Loopback servers for the tests, each in one shape: a context manager that serves on 127.0.0.1 and a
free port (port 0) from a thread of the test process, yields the base URL, and stops the server when
its ``with`` block ends (and fails if it does not stop). Nothing reaches outside.

- :func:`asyncio_server`: any asyncio server coroutine (the stand-in's own ``server.serve``);
- :func:`tornado_server`: a tornado application (the stand-in's routes; the web server below);
- :func:`http_server`: a handler of Python's ``http.server`` (servers that ignore ``Range``; a web server
  where a Dask scheduler was expected);
- :func:`web_server`: a folder as a web server (HTTP, or HTTPS with :func:`self_signed_certificate`'s
  throwaway certificate), with ``Range`` requests answered or ignored;
- :func:`s3_server`: moto's S3 server with public objects.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

#: Seconds a server may take to start, and to stop once its block ends.
START_S = STOP_S = 10


@contextlib.contextmanager
def asyncio_server(serve: Callable[[Callable[[str], None], asyncio.Event], Awaitable[None]]):
    """Run ``serve(ready, stop)`` in an event loop of its own thread: it calls ``ready(url)`` once it
    listens, and returns once ``stop`` is set (at the block's end). Yields that URL."""
    ready, state = threading.Event(), {}

    def run() -> None:
        async def main() -> None:
            state["loop"], state["stop"] = asyncio.get_running_loop(), asyncio.Event()
            await serve(lambda url: (state.update(url=url), ready.set()), state["stop"])

        try:
            asyncio.run(main())
        except BaseException as exc:  # told to the test, below
            state["error"] = exc
            ready.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if not ready.wait(START_S) or "error" in state:
        raise RuntimeError(f"the loopback server did not start within {START_S} s: {state.get('error')!r}")
    try:
        yield state["url"]
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(STOP_S)
        if thread.is_alive():
            raise RuntimeError(f"the loopback server did not stop within {STOP_S} s")


@contextlib.contextmanager
def tornado_server(app, ssl_options=None, host: str = "127.0.0.1"):
    """Serve the tornado application ``app`` (over TLS with ``ssl_options``); yields the base URL,
    with ``host`` as its name (a certificate names ``localhost``)."""
    import tornado.httpserver
    import tornado.netutil

    async def serve(ready, stop: asyncio.Event) -> None:
        server = tornado.httpserver.HTTPServer(app, ssl_options=ssl_options)
        (sock,) = tornado.netutil.bind_sockets(0, "127.0.0.1")
        server.add_sockets([sock])
        ready(f"{'https' if ssl_options is not None else 'http'}://{host}:{sock.getsockname()[1]}")
        await stop.wait()
        server.stop()
        await server.close_all_connections()

    with asyncio_server(serve) as url:
        yield url


@contextlib.contextmanager
def http_server(handler):
    """Serve with Python's own ``http.server`` (threads), ``handler`` answering each request; yields
    the base URL."""
    import http.server

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(STOP_S)
        if thread.is_alive():
            raise RuntimeError(f"the loopback server did not stop within {STOP_S} s")


@contextlib.contextmanager
def web_server(folder: Path, tls_cert: Path | None = None, tls_key: Path | None = None, ranges: bool = True):
    """Serve ``folder`` with tornado's StaticFileHandler, which answers HEAD and Range requests
    as real web servers and CDNs do (fsspec reads a remote file in ranges); yields the base URL.

    ``ranges=False``: Python's own ``http.server`` instead (plain HTTP), which, as many simple
    servers, ignores ``Range`` and always sends the whole file."""
    if not ranges:
        import functools
        import http.server

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        with http_server(functools.partial(Quiet, directory=str(folder))) as url:
            yield url
        return
    import tornado.web

    app = tornado.web.Application([(r"/(.*)", tornado.web.StaticFileHandler, {"path": str(folder)})])
    ssl_options = None
    if tls_cert is not None:
        import ssl

        ssl_options = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_options.load_cert_chain(str(tls_cert), str(tls_key))
    # the certificate names localhost
    with tornado_server(app, ssl_options, host="localhost" if tls_cert is not None else "127.0.0.1") as url:
        yield url


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for ``localhost``/127.0.0.1 and its key, valid for a day; (cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "localhost.pem", folder / "localhost.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@contextlib.contextmanager
def s3_server(objects: dict[str, Path]):
    """moto's S3 server on loopback holding ``{"bucket/key": local file}``, readable anonymously
    like Saturn's public bucket; yields the endpoint URL (set it as ``AWS_ENDPOINT_URL``)."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for target, path in objects.items():
            bucket, key = target.split("/", 1)
            with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
                s3.create_bucket(Bucket=bucket, ACL="public-read")
            s3.upload_file(str(path), bucket, key, ExtraArgs={"ACL": "public-read"})  # a public object
        yield endpoint
    finally:
        server.stop()
