"""Settings: defaults, TOML file, RUSTYBT_* environment, and validation before use."""

from __future__ import annotations

from pathlib import Path

import pytest

from rustybt.config import CONFIG_ENV, Settings, env_names, load_settings
from rustybt.errors import ConfigError


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_defaults_live_under_the_home_folder(home: Path) -> None:
    settings = load_settings(env={})
    assert settings.catalog_dir == home / ".rustybt" / "catalog"
    assert settings.output_dir == Path("rustybt_output")
    assert settings.log.level == "info"
    assert settings.log.format == "console"
    assert settings.log.file is None
    assert settings.secrets.store == home / ".rustybt" / "secrets.json"
    assert settings.secrets.key_file == home / ".rustybt" / "secrets.key"
    assert settings.secrets.use_keyring is False


def test_file_then_environment(home: Path, tmp_path: Path) -> None:
    config = tmp_path / "rustybt.toml"
    config.write_text(
        'catalog_dir = "~/data/catalog"\n'
        '[log]\nlevel = "DEBUG"\nformat = "json"\n'
        '[secrets]\nstore = "/srv/secrets.json"\nuse_keyring = true\n'
    )
    settings = load_settings(config, env={"RUSTYBT_LOG__FORMAT": "console"})
    assert settings.catalog_dir == home / "data" / "catalog"
    assert settings.log.level == "debug"
    assert settings.log.format == "console"  # the environment wins over the file
    assert settings.secrets.store == Path("/srv/secrets.json")
    assert settings.secrets.use_keyring is True


def test_config_file_from_the_environment_and_the_default_location(home: Path) -> None:
    chosen = home / "chosen.toml"
    chosen.write_text('output_dir = "out"\n')
    assert load_settings(env={CONFIG_ENV: str(chosen)}).output_dir == Path("out")
    default = home / ".rustybt" / "config.toml"
    default.parent.mkdir()
    default.write_text('output_dir = "from-default"\n')
    assert load_settings(env={}).output_dir == Path("from-default")


def test_environment_names_follow_one_rule() -> None:
    names = env_names()
    assert names["RUSTYBT_CATALOG_DIR"] == ("catalog_dir",)
    assert names["RUSTYBT_LOG__LEVEL"] == ("log", "level")
    assert names["RUSTYBT_SECRETS__KEY_FILE"] == ("secrets", "key_file")
    assert names["RUSTYBT_CATALOG"] == ("catalog_dir",)  # the CLI's --catalog variable
    assert "RUSTYBT_SECRETS_KEY" not in names  # the key itself is never a setting


def test_canonical_variable_wins_over_the_alias(home: Path) -> None:
    env = {"RUSTYBT_CATALOG": "/alias", "RUSTYBT_CATALOG_DIR": "/canonical"}
    assert load_settings(env=env).catalog_dir == Path("/canonical")
    assert load_settings(env={"RUSTYBT_CATALOG": "/alias"}).catalog_dir == Path("/alias")


def test_unrelated_rustybt_variables_are_ignored(home: Path) -> None:
    env = {"RUSTYBT_SECRETS_KEY": "not-a-setting", "RUSTYBT_SOMETHING_ELSE": "x"}
    assert load_settings(env=env) == Settings()


def test_boolean_from_the_environment(home: Path) -> None:
    assert load_settings(env={"RUSTYBT_SECRETS__USE_KEYRING": "true"}).secrets.use_keyring
    assert not load_settings(env={"RUSTYBT_SECRETS__USE_KEYRING": "0"}).secrets.use_keyring


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('catalog = "x"\n', "catalog: Extra inputs are not permitted"),
        ('[log]\nlevel = "loud"\n', "log.level: Input should be 'debug'"),
        ("[log]\nverbose = true\n", "log.verbose: Extra inputs are not permitted"),
        ('[secrets]\nuse_keyring = "perhaps"\n', "secrets.use_keyring: Input should be"),
        ("log = 3\n", "log: Input should be a valid dictionary"),
    ],
)
def test_invalid_file_is_a_config_error_naming_the_key(
    home: Path, content: str, message: str
) -> None:
    config = home / "bad.toml"
    config.write_text(content)
    with pytest.raises(ConfigError, match=f"invalid settings from {config}") as raised:
        load_settings(config, env={})
    assert message in raised.value.message


def test_invalid_environment_value_names_the_variable(home: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(env={"RUSTYBT_LOG__LEVEL": "loud"})
    assert raised.value.message.startswith(
        "invalid settings from defaults + environment (RUSTYBT_LOG__LEVEL): log.level:"
    )


def test_broken_toml_and_missing_file(home: Path) -> None:
    broken = home / "broken.toml"
    broken.write_text("[log\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings(broken, env={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(home / "missing.toml", env={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(env={CONFIG_ENV: str(home / "missing.toml")})


def test_settings_are_frozen(home: Path) -> None:
    settings = load_settings(env={})
    with pytest.raises(ValueError, match="frozen"):
        settings.catalog_dir = Path("/elsewhere")
