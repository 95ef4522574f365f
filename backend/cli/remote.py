"""Talking to a running skylabel server (a team's, in accounts mode): ``SKYLABEL_SERVER`` names it,
``SKYLABEL_TOKEN`` (from ``skylabel token create``) is sent as ``Authorization: Bearer``.

``skylabel whoami [--server URL]`` checks both: it prints who the token signs in as, with the roles.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from backend.errors import AuthenticationError, InputError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("whoami", help="who SKYLABEL_TOKEN signs in as on a server (SKYLABEL_SERVER or --server)")
    p.add_argument("--server", default=None, help="base URL, e.g. https://skylabel.example.org "
                                                  "(default: $SKYLABEL_SERVER, else http://127.0.0.1:8000)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=whoami)


def api_request(method: str, path: str, server: str | None = None, body: Any = None) -> Any:
    """One JSON request to the server with the token of ``SKYLABEL_TOKEN``; errors carry the server's detail."""
    import httpx

    base = (server or os.environ.get("SKYLABEL_SERVER") or "http://127.0.0.1:8000").rstrip("/")
    token = os.environ.get("SKYLABEL_TOKEN", "").strip()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.request(method, base + path, json=body, headers=headers, timeout=60)
    except httpx.TransportError as error:
        raise InputError(f"cannot reach the skylabel server at {base}: {error}") from None
    if response.status_code == 401:
        raise AuthenticationError(f"{base} needs a sign-in: set SKYLABEL_TOKEN (skylabel token create --user NAME "
                                  "--json on the server)" if not token else f"{base} refused SKYLABEL_TOKEN: "
                                  f"{response.json().get('detail', '')}")
    if response.status_code >= 400:
        raise InputError(f"{method} {path}: {response.status_code} {response.text[:300]}")
    return response.json() if response.content else None


def whoami(args: argparse.Namespace) -> int:
    me = api_request("GET", "/api/auth/me", args.server)
    if args.json:
        print(json.dumps(me))
    else:
        roles = ", ".join(f"{role} on project {pid}" for pid, role in me["roles"].items()) or "no role"
        print(f"{me['username']} ({me['mode']} mode, via {me['via']}): {roles}", file=sys.stdout)
    return 0
