"""Receipt codes (回执码). See voting.services for how they keep a vote secret yet checkable."""

import hashlib
import hmac
import secrets

# Crockford base32: no I, L, O, U, so a code read aloud or copied by hand is hard to get wrong.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # 80 bits: far too many to guess or to try against the stored hashes


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str:
    """Upper-case, drop spaces and dashes, read O as 0 and I/L as 1; '' when not a valid code."""
    code = (text or "").upper().replace("-", "").replace(" ", "")
    code = code.replace("O", "0").replace("I", "1").replace("L", "1")
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return ""
    return code


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def check_code(ballot_id: int, code: str) -> str:
    """The public code printed next to a paper in the published list."""
    digest = hashlib.sha256(f"zc-ballot-check:{ballot_id}:{code}".encode()).hexdigest()[:16].upper()
    return display(digest)


def new_salt() -> str:
    return secrets.token_hex(16)


def salted_hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def matches(salt: str, stored_hash: str, code: str) -> bool:
    return hmac.compare_digest(salted_hash(salt, code), stored_hash)
