"""`hotline web user set|remove|list`: the logins of the browser desk and wallboard (docs/web.md).

Writes the users file named by ``http.users_file``; a running engine sees the change at the next
request (and a changed or removed user's sessions end). The password is asked twice without
echo, or read from standard input with ``--password-stdin`` (for scripts), never from argv.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from cti.web.users import ROLES, UserStore


def register(sub: argparse._SubParsersAction) -> None:
    web = sub.add_parser("web", help="browser desk and wallboard: user logins")
    users = web.add_subparsers(required=True, metavar="ACTION").add_parser("user", help="web users")
    actions = users.add_subparsers(required=True, metavar="ACTION")
    set_ = actions.add_parser("set", help="create a user or change his password, role or scope")
    set_.add_argument("user", help="login name (for an agent: his agent id)")
    set_.add_argument("--role", choices=ROLES, default="agent")
    set_.add_argument("--agent", help="the ACD agent id of an agent login, if not the login name")
    set_.add_argument("--queues", default="", help="a supervisor's queues, comma-separated")
    set_.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    set_.set_defaults(func=_set)
    remove = actions.add_parser("remove", help="remove a user (his sessions end)")
    remove.add_argument("user")
    remove.set_defaults(func=_remove)
    listed = actions.add_parser("list", help="users, roles and scopes")
    listed.set_defaults(func=_list)
    for p in (set_, remove, listed):
        p.add_argument("-c", "--config", type=Path, default=Path("config/hotline.yaml"))


def _store(args: argparse.Namespace) -> UserStore:
    from cti.app.config import load_config

    return UserStore(Path(load_config(args.config).http.users_file))


def _set(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.user}: ")
        if getpass.getpass("again: ") != password:
            print("the passwords differ; nothing changed", file=sys.stderr)
            return 1
    queues = tuple(q.strip() for q in args.queues.split(",") if q.strip())
    try:
        user = _store(args).set(args.user, args.role, password, agent=args.agent, queues=queues)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{user.id}: {user.role}" + (f", queues {', '.join(user.queues)}" if user.queues else ""))
    return 0


def _remove(args: argparse.Namespace) -> int:
    if not _store(args).remove(args.user):
        print(f"no user {args.user!r}", file=sys.stderr)
        return 1
    return 0


def _list(args: argparse.Namespace) -> int:
    for user in _store(args).users.values():
        view = user.view()
        print(f"{view['id']:<16} {view['role']:<11} {view['agent'] or '':<8} {','.join(view['queues'])}")
    return 0
