"""Settings: defaults, then a TOML file, then ``RUSTYBT_*`` environment variables.

Everything is validated by pydantic before use; an unknown key, a wrong type or
a bad value is a `ConfigError` naming the key and the file or variable it came
from, never a half-applied configuration.

The file is, in order: the ``path`` argument, ``$RUSTYBT_CONFIG``, or
``~/.rustybt/config.toml`` when it exists::

    catalog_dir = "~/data/rustybt"

    [log]
    level = "debug"

    [secrets]
    store = "~/.rustybt/secrets.json"

Environment variables override the file. Top-level fields are
``RUSTYBT_<FIELD>`` and nested ones ``RUSTYBT_<SECTION>__<FIELD>`` (two
underscores), e.g. ``RUSTYBT_CATALOG_DIR`` or ``RUSTYBT_LOG__LEVEL``.
``RUSTYBT_CATALOG`` (used by the CLI's ``--catalog``) is accepted for
``catalog_dir`` too.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator

from rustybt.errors import ConfigError

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG_FILE",
    "ENV_PREFIX",
    "LogSettings",
    "SecretsSettings",
    "Settings",
    "env_names",
    "load_settings",
]

ENV_PREFIX = "RUSTYBT_"
CONFIG_ENV = "RUSTYBT_CONFIG"
DEFAULT_CONFIG_FILE = Path("~/.rustybt/config.toml")
# Older or shorter spellings accepted for a field (the CLI documents RUSTYBT_CATALOG).
_ENV_ALIASES = {"RUSTYBT_CATALOG": ("catalog_dir",)}


def _expand(path: Path) -> Path:
    return path.expanduser()


class _Section(BaseModel):
    # Unknown keys are typos until proven otherwise; settings never change after loading.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class LogSettings(_Section):
    """Logging: level, rendering and an optional file for the JSON lines."""

    level: Literal["debug", "info", "warning", "error", "critical"] = "info"
    format: Literal["json", "console"] = "console"
    file: Path | None = None

    @field_validator("level", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("file")
    @classmethod
    def _expand_file(cls, value: Path | None) -> Path | None:
        return None if value is None else _expand(value)


class SecretsSettings(_Section):
    """Where the encrypted secrets store and its key file live (see docs/security.md)."""

    store: Path = Path("~/.rustybt/secrets.json")
    key_file: Path = Path("~/.rustybt/secrets.key")
    use_keyring: bool = False

    @field_validator("store", "key_file")
    @classmethod
    def _expand_paths(cls, value: Path) -> Path:
        return _expand(value)


class Settings(_Section):
    """All rustybt settings. Build it with `load_settings` (or directly, in tests)."""

    catalog_dir: Path = Path("~/.rustybt/catalog")
    output_dir: Path = Path("rustybt_output")
    log: LogSettings = Field(default_factory=LogSettings)
    secrets: SecretsSettings = Field(default_factory=SecretsSettings)

    @field_validator("catalog_dir", "output_dir")
    @classmethod
    def _expand_paths(cls, value: Path) -> Path:
        return _expand(value)


def env_names() -> dict[str, tuple[str, ...]]:
    """Every environment variable `load_settings` reads, mapped to its field path."""
    # Aliases first, so the canonical name wins when both are set.
    names: dict[str, tuple[str, ...]] = dict(_ENV_ALIASES)
    for name, field in Settings.model_fields.items():
        section = field.annotation
        if isinstance(section, type) and issubclass(section, _Section):
            for inner in section.model_fields:
                names[f"{ENV_PREFIX}{name.upper()}__{inner.upper()}"] = (name, inner)
        else:
            names[f"{ENV_PREFIX}{name.upper()}"] = (name,)
    return names


def load_settings(path: Path | None = None, *, env: Mapping[str, str] | None = None) -> Settings:
    """Defaults, overridden by the config file, overridden by the environment.

    Args:
        path: a TOML file; must exist when given. Without it ``$RUSTYBT_CONFIG``
            (must exist) or ``~/.rustybt/config.toml`` (optional) is used.
        env: the environment to read (default ``os.environ``).

    Raises:
        ConfigError: unreadable file, invalid TOML, unknown key or invalid value.
    """
    environment = os.environ if env is None else env
    data: dict[str, object] = {}
    source = "defaults"
    file = _config_file(path, environment)
    if file is not None:
        data = _read_toml(file)
        source = str(file)
    overrides = _from_env(environment)
    for fields, value in overrides.values():
        _put(data, fields, value)
    if overrides:
        source = f"{source} + environment ({', '.join(sorted(overrides))})"
    try:
        return Settings.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigError(
            f"invalid settings from {source}: {problems}",
            context={"source": source, "errors": exc.error_count()},
            hint="fix the key in the config file or environment (see docs/security.md)",
        ) from exc


def _config_file(path: Path | None, env: Mapping[str, str]) -> Path | None:
    if path is not None:
        chosen, required = path, True
    elif env.get(CONFIG_ENV):
        chosen, required = Path(env[CONFIG_ENV]), True
    else:
        chosen, required = DEFAULT_CONFIG_FILE, False
    chosen = chosen.expanduser()
    if chosen.is_file():
        return chosen
    if required:
        raise ConfigError(
            f"config file {chosen} does not exist",
            context={"path": str(chosen)},
            hint=f"check the path (or unset {CONFIG_ENV})",
        )
    return None


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(
            f"cannot read config file {path} ({exc})", context={"path": str(path)}
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"config file {path} is not valid TOML ({exc})",
            context={"path": str(path)},
            hint="see https://toml.io for the syntax",
        ) from exc


def _from_env(env: Mapping[str, str]) -> dict[str, tuple[tuple[str, ...], str]]:
    """Variable name -> (field path, value) for each settings variable that is set."""
    return {name: (fields, env[name]) for name, fields in env_names().items() if env.get(name)}


def _put(data: dict[str, object], fields: tuple[str, ...], value: object) -> None:
    *sections, last = fields
    target = data
    for section in sections:
        inner = target.get(section)
        if not isinstance(inner, dict):
            inner = {}
            target[section] = inner
        target = inner
    target[last] = value
