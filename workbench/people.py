"""Users of the workbench: add, change password, remove, authenticate. Every change is audited."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from govwatch.store import models as m
from govwatch.store.answers import audit
from workbench import passwords

ROLES = ("admin", "office", "department")
ROLE_LABELS = {"admin": "管理员", "office": "政务公开办", "department": "部门"}
_NAME = re.compile(r"^[\w.@-]{2,100}$")


class PeopleError(ValueError):
    """A user change that cannot be made; the message says why."""


def find(s: Session, name: str) -> m.User | None:
    return s.scalar(select(m.User).where(m.User.name == name, m.User.removed_at.is_(None)))


def add(s: Session, name: str, role: str, password: str, owner: str | None = None, by: str | None = None) -> m.User:
    if not _NAME.match(name or ""):
        raise PeopleError("a user name is 2-100 letters, digits, or . _ @ -")
    if role not in ROLES:
        raise PeopleError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
    owner = (owner or "").strip() or None
    if role == "department" and not owner:
        raise PeopleError("a department user needs its owner unit (责任单位), e.g. --owner 县教育局")
    if role != "department":
        owner = None
    if why := passwords.check_strength(password):
        raise PeopleError(why)
    if s.scalar(select(m.User).where(m.User.name == name)) is not None:
        raise PeopleError(f"user {name!r} exists already (removed users' names are not reused)")
    user = m.User(name=name, role=role, owner=owner, password_hash=passwords.hash_password(password))
    s.add(user)
    audit(s, by, "user-add", name, role=role, owner=owner)
    s.flush()
    return user


def set_password(s: Session, name: str, password: str, by: str | None = None) -> None:
    user = find(s, name)
    if user is None:
        raise PeopleError(f"no user {name!r}")
    if why := passwords.check_strength(password):
        raise PeopleError(why)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = m.utcnow()  # ends the sessions signed before
    audit(s, by, "user-passwd", name)


def remove(s: Session, name: str, by: str | None = None) -> None:
    user = find(s, name)
    if user is None:
        raise PeopleError(f"no user {name!r}")
    others = s.scalars(select(m.User).where(m.User.role == "admin", m.User.removed_at.is_(None),
                                            m.User.id != user.id)).first()
    if user.role == "admin" and others is None and _any_admin_needed(s, user):
        raise PeopleError(f"{name!r} is the last admin; add another admin first")
    user.removed_at = m.utcnow()
    audit(s, by, "user-remove", name)


def _any_admin_needed(s: Session, user: m.User) -> bool:
    # the last admin may go only when nobody else is left to manage
    return s.scalars(select(m.User).where(m.User.removed_at.is_(None), m.User.id != user.id)).first() is not None


def authenticate(s: Session, name: str, password: str) -> m.User | None:
    user = find(s, name)
    if user is None:
        passwords.verify(passwords.dummy_hash(), password)  # same time either way
        return None
    return user if passwords.verify(user.password_hash, password) else None


def active_users(s: Session) -> list[m.User]:
    return list(s.scalars(select(m.User).where(m.User.removed_at.is_(None)).order_by(m.User.name)))
