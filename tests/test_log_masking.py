"""Secret masking: key names at any depth, credential-looking values, real log files."""

from __future__ import annotations

import json
import string
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from rustybt.log import (
    MASK,
    AuditLog,
    configure_logging,
    get_logger,
    mask_text,
    mask_value,
    reset_logging,
)

OPENAI = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t"
AWS_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
BASE62 = "Zq8XvT2mK9pLw4Rb7Nc1Hd5Gf3Js6Ya0"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


def test_secret_key_names_are_masked_at_any_depth_whatever_the_value() -> None:
    event = {
        "broker": {
            "API_KEY": "short",
            "api-key": 12345,
            "credentials": {"user": "ann", "pw": "x"},
            "accounts": [{"Password": "hunter2", "id": 7}, ("x", {"passphrase": "p"})],
        },
        "client_secret": "abc",
        "x-auth-token": "t",
        "privateKey": "k",
        "signal": "buy",
        "none_token": None,
    }
    assert mask_value(event) == {
        "broker": {
            "API_KEY": MASK,
            "api-key": MASK,
            "credentials": MASK,
            "accounts": [{"Password": MASK, "id": 7}, ["x", {"passphrase": MASK}]],
        },
        "client_secret": MASK,
        "x-auth-token": MASK,
        "privateKey": MASK,
        "signal": "buy",
        "none_token": None,
    }


def test_values_that_look_like_keys_are_masked_inside_text() -> None:
    assert mask_text(f"using {OPENAI} now") == f"using {MASK} now"
    assert mask_text(f"id={AWS_ID}") == f"id={MASK}"
    assert mask_text(f"sha {HEX}") == f"sha {MASK}"
    assert mask_text(f"[{BASE62}]") == f"[{MASK}]"
    assert mask_text(GITHUB) == MASK
    assert mask_text(JWT) == MASK
    assert mask_text("Authorization: Bearer abc.def-123") == f"Authorization: Bearer {MASK}"
    assert mask_text("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----") == MASK
    assert mask_value({"note": [f"aws {AWS_SECRET}"]}) == {"note": [f"aws {MASK}"]}


def test_ordinary_values_are_left_alone() -> None:
    for text in (
        "2024-01-02T00:00:00+00:00",
        "PortfolioCrossover",
        "insufficient cash: fill needs 100000.00, cash is 7490.00",
        "/home/trader/projects/strategies/momentum_rotation_2024.py",
        "123456789012345678901234567890123456",  # digits only: a number, not a key
        "day_order_not_filled_in_its_session_at_all",  # lower case words
        "1016991.6139974218434833",
    ):
        assert mask_text(text) == text


@given(
    prefix=st.text(alphabet=string.ascii_letters + " :=,", max_size=20),
    body=st.text(alphabet=string.ascii_letters + string.digits, min_size=20, max_size=40),
)
def test_any_sk_style_key_is_masked(prefix: str, body: str) -> None:
    secret = f"sk-{body}"
    assert secret not in mask_text(f"{prefix} {secret} tail")


@given(body=st.text(alphabet="0123456789abcdef", min_size=32, max_size=64))
def test_any_long_hex_token_with_digits_and_letters_is_masked(body: str) -> None:
    secret = body + "0a"  # at least one digit and one letter
    assert mask_text(f"key {secret}") == f"key {MASK}"


def test_secrets_never_reach_a_real_log_file(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    configure_logging(path, flush_interval=0)
    try:
        get_logger(component="broker").info(
            "broker.connected",
            config={"exchange": "paper", "api_key": BASE62, "nested": [{"secret": HEX}]},
            message=f"connected with {OPENAI} and {AWS_ID}",
            headers={"Authorization": f"Bearer {JWT}"},
        )
        get_logger().warning(f"retrying with token {GITHUB}")
    finally:
        reset_logging()
    text = path.read_text()
    for secret in (BASE62, HEX, OPENAI, AWS_ID, JWT, GITHUB):
        assert secret not in text
    first, second = (json.loads(line) for line in text.splitlines())
    assert first["event"] == "broker.connected"
    assert first["component"] == "broker"
    assert first["config"] == {"exchange": "paper", "api_key": MASK, "nested": [{"secret": MASK}]}
    assert first["message"] == f"connected with {MASK} and {MASK}"
    assert first["headers"] == {"Authorization": MASK}
    assert second["event"] == f"retrying with token {MASK}"
    assert second["level"] == "warning"


def test_objects_are_written_as_masked_text(tmp_path: Path) -> None:
    class Credentials:
        def __str__(self) -> str:
            return f"Credentials({OPENAI})"

    path = tmp_path / "audit.jsonl"
    with AuditLog.open(path) as log:
        log.logger(run_id="r1").info("login", who=Credentials())
    record = json.loads(path.read_text())
    assert record["who"] == f"Credentials({MASK})"
    assert record["run_id"] == "r1"
