"""The exception hierarchy, the CLI's error reporting, and the ban on silent excepts."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rustybt import errors
from rustybt.cli.errors import INTERNAL_ERROR_EXIT, report_errors
from rustybt.errors import (
    BrokerError,
    BrokerTimeout,
    CatalogError,
    ConfigError,
    DataError,
    DataGap,
    DataNotFound,
    InsufficientFunds,
    LookaheadError,
    OrderError,
    OrderRejected,
    OrderUnknown,
    RateLimited,
    ReconciliationError,
    RustyBTError,
    SchemaError,
    SecretsError,
    StrategyError,
    TradingControlViolation,
    TradingHalted,
    UnknownSymbol,
    ValidationError,
)

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "rustybt"

# (class, direct parent, exit code, transient by default) — the table in docs/errors.md.
FAMILY = [
    (ConfigError, RustyBTError, 2, False),
    (SecretsError, ConfigError, 2, False),
    (DataError, RustyBTError, 3, False),
    (SchemaError, DataError, 3, False),
    (DataNotFound, DataError, 3, False),
    (UnknownSymbol, DataNotFound, 3, False),
    (DataGap, DataError, 3, False),
    (CatalogError, DataError, 3, False),
    (ValidationError, DataError, 4, False),
    (LookaheadError, RustyBTError, 5, False),
    (StrategyError, RustyBTError, 5, False),
    (OrderError, RustyBTError, 6, False),
    (OrderRejected, OrderError, 6, False),
    (InsufficientFunds, OrderRejected, 6, False),
    (BrokerError, RustyBTError, 7, False),
    (BrokerTimeout, BrokerError, 7, True),
    (RateLimited, BrokerError, 7, True),
    (OrderUnknown, BrokerError, 7, True),
    (ReconciliationError, BrokerError, 7, False),
    (TradingControlViolation, OrderRejected, 6, False),
    (TradingHalted, OrderRejected, 6, False),
]


def test_every_exported_error_is_in_the_table() -> None:
    exported = {getattr(errors, name) for name in errors.__all__}
    assert exported == {row[0] for row in FAMILY} | {RustyBTError}


@pytest.mark.parametrize(("cls", "parent", "code", "transient"), FAMILY)
def test_family_parent_exit_code_and_transient_default(
    cls: type[RustyBTError], parent: type[RustyBTError], code: int, transient: bool
) -> None:
    assert cls.__bases__ == (parent,)
    error = cls("something went wrong")
    assert isinstance(error, RustyBTError)
    assert error.exit_code == code
    assert error.transient is transient


def test_base_error_carries_message_context_hint_cause_and_transient() -> None:
    cause = TimeoutError("read timed out")
    try:
        try:
            raise cause
        except TimeoutError as exc:
            raise DataError(
                "prices.csv: cannot read the file",
                context={"file": "prices.csv", "row": 12},
                hint="check the network drive",
                transient=True,
            ) from exc
    except DataError as error:
        raised = error
    assert raised.message == "prices.csv: cannot read the file"
    assert str(raised) == "prices.csv: cannot read the file (file='prices.csv', row=12)"
    assert raised.cause is cause
    assert raised.transient is True
    assert raised.to_dict() == {
        "error": "DataError",
        "message": "prices.csv: cannot read the file",
        "context": {"file": "prices.csv", "row": "12"},
        "hint": "check the network drive",
        "transient": True,
        "exit_code": 3,
        "cause": "TimeoutError('read timed out')",
    }
    json.dumps(raised.to_dict())  # JSON-friendly as promised


def test_error_without_context_or_cause() -> None:
    error = OrderError("order quantity is zero")
    assert str(error) == "order quantity is zero"
    assert error.cause is None
    assert error.to_dict()["cause"] is None
    assert error.context == {}


def test_transient_can_be_overridden_either_way() -> None:
    assert BrokerTimeout("slow", transient=False).transient is False
    assert BrokerError("503 from the broker", transient=True).transient is True


def test_context_is_copied_not_shared() -> None:
    context: dict[str, object] = {"asset": "AAPL"}
    error = OrderRejected("halted", context=context)
    context["asset"] = "MSFT"
    assert error.context == {"asset": "AAPL"}


@pytest.mark.parametrize(("cls", "parent", "code", "transient"), FAMILY)
def test_cli_prints_one_line_and_hint_and_exits_with_family_code(
    cls: type[RustyBTError],
    parent: type[RustyBTError],
    code: int,
    transient: bool,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def fail() -> None:
        raise cls("the thing failed", context={"file": "x.csv"}, hint="do this instead")

    with pytest.raises(SystemExit) as exit_info:
        report_errors(fail, debug=False)
    assert exit_info.value.code == code
    assert capsys.readouterr().err == (
        "error: the thing failed\nhint: do this instead\n(run with --debug for details)\n"
    )


def test_cli_debug_prints_the_context_as_json_and_the_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def fail() -> None:
        raise UnknownSymbol("unknown symbol 'ZZZZ'", context={"symbol": "ZZZZ"})

    with pytest.raises(SystemExit) as exit_info:
        report_errors(fail, debug=True)
    assert exit_info.value.code == 3
    err = capsys.readouterr().err
    assert err.startswith("error: unknown symbol 'ZZZZ'\n{\n")
    assert '"error": "UnknownSymbol"' in err
    assert '"symbol": "ZZZZ"' in err
    assert "Traceback (most recent call last)" in err


def test_cli_reports_a_bug_as_internal_error(capsys: pytest.CaptureFixture[str]) -> None:
    def bug() -> None:
        raise KeyError("oops")

    with pytest.raises(SystemExit) as exit_info:
        report_errors(bug, debug=False)
    assert exit_info.value.code == INTERNAL_ERROR_EXIT == 70
    assert capsys.readouterr().err.startswith("internal error: KeyError: 'oops' (please report")


def test_cli_passes_the_value_through_when_nothing_fails() -> None:
    assert report_errors(lambda: 42, debug=False) == 42


# --- no silent excepts -------------------------------------------------------------


def _silent_handlers(tree: ast.AST) -> list[int]:
    """Line numbers of except handlers whose whole body is ``pass`` or ``...``."""

    def is_nothing(statement: ast.stmt) -> bool:
        return isinstance(statement, ast.Pass) or (
            isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant)
            and statement.value.value is Ellipsis
        )

    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.ExceptHandler) and all(is_nothing(s) for s in node.body)
    ]


def test_the_detector_finds_pass_and_ellipsis_handlers() -> None:
    code = (
        "try:\n    x()\nexcept ValueError:\n    pass\n"
        "try:\n    y()\nexcept (KeyError, OSError):\n    ...\n"
        "try:\n    z()\nexcept Exception as e:\n    log(e)\n"
    )
    assert _silent_handlers(ast.parse(code)) == [3, 7]


def test_no_silent_except_in_src() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(SRC.rglob("*.py"))
        for line in _silent_handlers(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == [], "handle, log or re-raise instead of swallowing: " + ", ".join(offenders)


RUFF = Path(sys.executable).parent / "ruff"


@pytest.mark.skipif(not RUFF.exists() and shutil.which("ruff") is None, reason="ruff not found")
def test_ruff_config_rejects_swallowed_and_blind_excepts() -> None:
    code = (
        "def f(g):\n"
        "    try:\n        g()\n    except Exception:\n        pass\n"
        "    try:\n        g()\n    except Exception as exc:\n        print(exc)\n"
    )
    ruff = str(RUFF) if RUFF.exists() else "ruff"
    completed = subprocess.run(
        [
            ruff,
            "check",
            "--no-cache",
            "--output-format",
            "concise",
            "--stdin-filename",
            "src/rustybt/_probe.py",
            "-",
        ],
        input=code,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert completed.returncode == 1
    assert "S110" in completed.stdout  # try-except-pass
    assert "BLE001" in completed.stdout  # blind except that does not re-raise
