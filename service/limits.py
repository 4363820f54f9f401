"""Request guards that must act before FastAPI reads a body: upload size and API keys.

An upload over the limit is cut off while it streams in — with or without an
honest Content-Length — so a 10 GB POST never reaches the multipart parser.
Writes need an API key when keys are configured; keys are compared in
constant time so response timing does not leak them.
"""

from __future__ import annotations

import hmac
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
READ_ONLY_POSTS = {"/query"}  # a question is a read, even though it is POSTed


async def _reject(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": code, "message": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, paths: tuple[str, ...] = ("/documents",)):
        self.app = app
        self.max_bytes = max_bytes
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS or not scope["path"].startswith(self.paths):
            await self.app(scope, receive, send)
            return
        limit_mb = self.max_bytes // (1024 * 1024)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _reject(send, 413, "payload_too_large", f"upload larger than {limit_mb} MB")
            return
        seen = 0
        rejected = False

        async def counting_receive() -> Message:
            nonlocal seen, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # answer now and tell the app the client is gone, so it stops reading
                    rejected = True
                    await _reject(send, 413, "payload_too_large", f"upload larger than {limit_mb} MB")
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not rejected:
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not rejected:
                raise


class ApiKeys:
    def __init__(self, app: ASGIApp, keys: list[str]):
        self.app = app
        self.keys = [k.encode() for k in keys if k]

    def _allowed(self, scope: Scope) -> bool:
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-api-key")
        auth = headers.get(b"authorization", b"")
        if given is None and auth.lower().startswith(b"bearer "):
            given = auth[7:].strip()
        if given is None:
            return False
        # compare against every key so the time taken does not depend on which one matched
        return any([hmac.compare_digest(given, key) for key in self.keys])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.keys
            and scope["type"] == "http"
            and scope["method"] in WRITE_METHODS
            and scope["path"] not in READ_ONLY_POSTS
            and not self._allowed(scope)
        ):
            await _reject(send, 401, "unauthorized", "this operation needs an API key (header X-API-Key)")
            return
        await self.app(scope, receive, send)
