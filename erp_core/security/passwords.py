"""Password hashing (bcrypt) and the password policy."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path

import bcrypt

from erp_core.kernel.errors import ValidationError, ValidationErrors

BCRYPT_ROUNDS = 12


def _prehash(password: str) -> bytes:
    # bcrypt reads only 72 bytes and refuses longer input; a SHA-256 pre-hash keeps every character significant.
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str, rounds: int | None = None) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds or BCRYPT_ROUNDS)).decode("ascii")


def verify_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), hashed.encode("ascii"))
    except ValueError:
        return False


# A constant hash to compare against when the username is unknown, so timing does not reveal which users exist.
@cache
def dummy_hash() -> str:
    return hash_password("not-a-real-password-used-for-timing")


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def policy_problems(password: str, *, username: str = "", min_length: int = 10,
                    field: str = "field.password") -> list[ValidationError]:
    """Every way ``password`` breaks the policy (empty when it complies)."""
    problems: list[ValidationError] = []
    if len(password) < min_length:
        problems.append(ValidationError("error.password.too_short", field=field, min=min_length))
    classes = sum([any(c.islower() for c in password), any(c.isupper() for c in password),
                   any(c.isdigit() for c in password), any(not c.isalnum() for c in password)])
    if classes < 3:
        problems.append(ValidationError("error.password.classes", field=field))
    if username and username.lower() in password.lower():
        problems.append(ValidationError("error.password.contains_username", field=field))
    if password.lower() in common_passwords() or _strip_digits(password.lower()) in common_passwords():
        problems.append(ValidationError("error.password.common", field=field))
    return problems


def check_policy(password: str, *, username: str = "", min_length: int = 10, field: str = "field.password") -> None:
    problems = policy_problems(password, username=username, min_length=min_length, field=field)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ValidationErrors(problems)


def _strip_digits(s: str) -> str:
    return s.rstrip("0123456789!@#$%^&*.")
