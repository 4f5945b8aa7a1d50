"""Loopback servers for the data sources users point ``data_url`` at: a web server (HTTP, or
HTTPS with a throwaway certificate) and an S3 server (moto's).  Nothing reaches outside.

Each runs in a thread of the test process, bound to 127.0.0.1 on a free port, and is stopped
when its ``with`` block ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import threading
from pathlib import Path


@contextlib.contextmanager
def web_server(folder: Path, tls_cert: Path | None = None, tls_key: Path | None = None, ranges: bool = True):
    """Serve ``folder`` with tornado's StaticFileHandler, which answers HEAD and Range requests
    as real web servers and CDNs do (fsspec reads a remote file in ranges); yields the base URL.

    ``ranges=False``: Python's own ``http.server`` instead (plain HTTP), which, as many simple
    servers, ignores ``Range`` and always sends the whole file."""
    if not ranges:
        with _plain_web_server(folder) as url:
            yield url
        return
    import tornado.httpserver
    import tornado.netutil
    import tornado.web

    ready, state = threading.Event(), {}

    def serve():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        app = tornado.web.Application([(r"/(.*)", tornado.web.StaticFileHandler, {"path": str(folder)})])
        ssl_options = None
        if tls_cert is not None:
            import ssl

            ssl_options = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ssl_options.load_cert_chain(str(tls_cert), str(tls_key))
        server = tornado.httpserver.HTTPServer(app, ssl_options=ssl_options)
        (sock,) = tornado.netutil.bind_sockets(0, "127.0.0.1")
        server.add_sockets([sock])
        state.update(loop=loop, server=server, port=sock.getsockname()[1])
        ready.set()
        loop.run_forever()
        server.stop()
        loop.run_until_complete(server.close_all_connections())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the loopback web server did not start within 10 s")
    scheme = "https" if tls_cert is not None else "http"
    host = "localhost" if tls_cert is not None else "127.0.0.1"  # the certificate names localhost
    try:
        yield f"{scheme}://{host}:{state['port']}"
    finally:
        state["loop"].call_soon_threadsafe(state["loop"].stop)
        thread.join(10)


@contextlib.contextmanager
def _plain_web_server(folder: Path):
    import functools
    import http.server

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


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
