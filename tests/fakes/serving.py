"""Serving a fake provider over real TCP on loopback for the length of a block."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn


@asynccontextmanager
async def serving(app, *, certfile: str = "", keyfile: str = "") -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1; yields its base URL (https with a certificate and key). The
    socket is bound here so the port is known (and ours) before uvicorn starts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
        ssl_certfile=certfile or None,
        ssl_keyfile=keyfile or None,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the fake server stopped before it started")
            await asyncio.sleep(0.01)
        scheme = "https" if certfile else "http"
        yield f"{scheme}://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()
