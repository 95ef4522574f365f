"""``skylabel users add|list`` and ``skylabel token create``: accounts and API tokens, on the local database.

Passwords come from standard input (``--password-stdin``), never from the command line where ``ps`` shows them.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from backend.auth.roles import ROLES, SCOPES


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    users = sub.add_parser("users", help="accounts and their project roles")
    users_sub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = users_sub.add_parser("add", help="add a user (or update one: password, role)")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--role", choices=ROLES, help="the role; without --project on every project")
    add.add_argument("--project", type=int, help="project id (default: every existing project and the default)")
    add.add_argument("--display-name")
    add.add_argument("--email")
    add.add_argument("--orcid", help="ORCID iD, 0000-0002-1825-0097")
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=users_add)
    listing = users_sub.add_parser("list", help="list users with their roles")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=users_list)

    token = sub.add_parser("token", help="API tokens for scripts and the CLI (Authorization: Bearer)")
    token_sub = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token_sub.add_parser("create", help="make a token; it is shown once")
    create.add_argument("--user", required=True)
    create.add_argument("--scope", action="append", choices=SCOPES, help="read | label | admin (repeatable; "
                        "default read)")
    create.add_argument("--name", default="cli")
    create.add_argument("--days", type=float, default=None, help="expiry in days (default: none)")
    create.add_argument("--json", action="store_true")
    create.set_defaults(func=token_create)


def _password(args: argparse.Namespace) -> str | None:
    if not args.password_stdin:
        return None
    text = sys.stdin.read()
    return text[:-1] if text.endswith("\n") else text


def users_add(args: argparse.Namespace) -> int:
    from backend.auth.accounts import add_user, roles_of, user_public
    from backend.cli.context import context
    from backend.db.session import session_scope

    password = _password(args)
    with session_scope(context(args.settings).sessions) as session:
        user = add_user(session, args.name, password, args.role, args.project, args.display_name, args.email,
                        args.orcid)
        public = user_public(user, roles_of(session, user.id))
    if args.json:
        print(json.dumps(public))
    else:
        roles = ", ".join(f"{role} on project {pid}" for pid, role in public["roles"].items()) or "no role"
        print(f"user {public['username']}: {roles}{'' if public['has_password'] else ' (no password)'}")
    return 0


def users_list(args: argparse.Namespace) -> int:
    from backend.auth.accounts import list_users
    from backend.cli.context import context

    with context(args.settings).sessions() as session:
        users = list_users(session)
    if args.json:
        print(json.dumps(users))
    else:
        for user in users:
            roles = ", ".join(f"{pid}:{role}" for pid, role in user["roles"].items()) or "-"
            print(f"{user['username']:<24} {roles}")
    return 0


def token_create(args: argparse.Namespace) -> int:
    from backend.auth.accounts import require_user
    from backend.auth.credentials import create_api_token
    from backend.cli.context import context
    from backend.db.session import session_scope

    with session_scope(context(args.settings).sessions) as session:
        user = require_user(session, args.user)
        token, row = create_api_token(session, user, args.name, args.scope or ["read"], args.days)
        public: dict[str, Any] = {
            "token": token, "id": row.id, "user": user.username, "name": row.name, "scopes": row.scopes,
            "expires_at": row.expires_at.isoformat() if row.expires_at else None}
    if args.json:
        print(json.dumps(public))
    else:
        print(token)
        print(f"(shown once; scopes {', '.join(public['scopes'])}; send it as Authorization: Bearer TOKEN or "
              "SKYLABEL_TOKEN)", file=sys.stderr)
    return 0
