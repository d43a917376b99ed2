"""Command line for accounts: ``python -m layers users add|list|reset|unlock|set-role|...``.

Passwords are never taken from the command line (other users of the machine could read
them in the process list): a new account or a reset gets a one-time password, printed
once, which the user must change at the first sign-in. Every change is audited.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from layers import accounts, audit
from layers._import_audit import cli_actor
from layers.access import Role
from layers.settings import Settings

ADMIN_PASSWORD_ENV = "ATLAS_ADMIN_PASSWORD"
_ROLES = [r.value for r in Role]


def add_users_commands(commands: Any) -> list[argparse.ArgumentParser]:
    """Add the ``users`` command and its actions; return the actions' parsers (for ``--store``)."""
    users = commands.add_parser("users", help="accounts: add, list, reset, unlock, roles")
    sub = users.add_subparsers(required=True, metavar="ACTION")

    add = sub.add_parser("add", help="add an account (prints its one-time password)")
    add.add_argument("name", help="user name; for single sign-on, the e-mail address")
    _role_arguments(add)
    add.add_argument(
        "--sso",
        action="store_true",
        help="no password: the user signs in through the OIDC provider (the default when "
        "ATLAS_AUTH=oidc)",
    )
    add.set_defaults(run=_run_add)

    leaves = [add]
    listing = sub.add_parser("list", help="list the accounts (never the password hashes)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_run_list)

    for name, help_text, run in (
        ("reset", "give a new one-time password (printed once)", _run_reset),
        ("unlock", "unlock an account locked after wrong passwords", _run_unlock),
        ("disable", "stop an account from signing in", _run_disable),
    ):
        action = sub.add_parser(name, help=help_text)
        action.add_argument("name")
        action.set_defaults(run=run)
        leaves.append(action)

    role = sub.add_parser("set-role", help="change an account's role (and locality)")
    role.add_argument("name")
    _role_arguments(role)
    role.set_defaults(run=_run_set_role)

    init = sub.add_parser(
        "init-admin",
        help=f"create the first administrator 'admin' unless one exists ({ADMIN_PASSWORD_ENV} "
        "sets its password; otherwise a one-time password is printed once)",
    )
    init.set_defaults(run=_run_init_admin)
    return [*leaves, listing, role, init]


def _role_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--role", required=True, choices=_ROLES)
    parser.add_argument("--locality", default=None, help="for a locality officer: North, ...")


def _run_add(args: argparse.Namespace, settings: Settings) -> int:
    path, sso = settings.accounts_file, args.sso or settings.auth == "oidc"
    one_time = None
    if sso:
        accounts.add_identity(path, args.name, args.role, args.locality)
    else:
        one_time = accounts.add_user(path, args.name, args.role, args.locality)
    detail = {"name": args.name, "role": args.role, "locality": args.locality}
    detail["sign_in"] = "single sign-on" if sso else "password"
    audit.record(settings.store, user=cli_actor(), action="user_added", detail=detail)
    how = "; they sign in through single sign-on" if sso else ""
    print(f"Added {args.name} ({args.role}){how}.")
    _print_one_time(one_time)
    return 0


def _run_list(args: argparse.Namespace, settings: Settings) -> int:
    table = accounts.list_users(settings.accounts_file)
    if args.json:
        print(json.dumps(table.astype(object).where(table.notna(), None).to_dict("records")))
    elif table.empty:
        print("No accounts yet: `python -m layers users init-admin` creates the first one.")
    else:
        print(table.to_string(index=False))
    return 0


def _run_reset(args: argparse.Namespace, settings: Settings) -> int:
    one_time = accounts.set_password(settings.accounts_file, args.name)
    _audit_change(settings, args.name, "password reset")
    print(f"New password for {args.name}.")
    _print_one_time(one_time)
    return 0


def _run_unlock(args: argparse.Namespace, settings: Settings) -> int:
    accounts.unlock(settings.accounts_file, args.name)
    _audit_change(settings, args.name, "unlocked")
    print(f"Unlocked {args.name}.")
    return 0


def _run_disable(args: argparse.Namespace, settings: Settings) -> int:
    accounts.disable(settings.accounts_file, args.name)
    _audit_change(settings, args.name, "disabled")
    print(f"Disabled {args.name}: the account can no longer sign in.")
    return 0


def _run_set_role(args: argparse.Namespace, settings: Settings) -> int:
    accounts.set_role(settings.accounts_file, args.name, args.role, args.locality)
    _audit_change(settings, args.name, "role", role=args.role, locality=args.locality)
    where = f", {args.locality}" if args.locality else ""
    print(f"{args.name} is now {args.role}{where}.")
    return 0


def _run_init_admin(args: argparse.Namespace, settings: Settings) -> int:
    if accounts.has_admin(settings.accounts_file):
        print("An administrator exists already; no account created.")
        return 0
    given = os.environ.get(ADMIN_PASSWORD_ENV) or None
    one_time = accounts.init_admin(settings.accounts_file, password_from_env=given)
    detail = {"name": accounts.ADMIN_NAME, "role": Role.ADMIN.value, "how": "init-admin"}
    audit.record(settings.store, user=cli_actor(), action="user_added", detail=detail)
    if one_time is None:
        print(f"Created the first administrator, 'admin', with the password {ADMIN_PASSWORD_ENV}.")
    else:
        print("Created the first administrator, 'admin'.")
        _print_one_time(one_time)
    return 0


def _print_one_time(one_time: str | None) -> None:
    if one_time is None:
        return
    print(f"One-time password: {one_time}")
    print(
        "It is shown only this once. Sign in with it; you will be asked to choose your own "
        f"password (at least {accounts.MIN_PASSWORD_LENGTH} characters) at the first sign-in."
    )
    sys.stdout.flush()


def _audit_change(settings: Settings, name: str, change: str, **extra: Any) -> None:
    detail = {"name": name, "change": change, **extra}
    audit.record(settings.store, user=cli_actor(), action="user_changed", detail=detail)
