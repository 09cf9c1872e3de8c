"""The register's cipher and digests: what they hide, what they let one find, and where the key comes from."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from hub.register.crypto import KEY_FILE, KeyMissing, RegisterCipher, load_key, new_key, parse_key


def test_a_ciphertext_opens_only_with_its_key_and_for_its_field() -> None:
    cipher = RegisterCipher(parse_key(new_key()))
    token = cipher.encrypt("id", "11010519491231002X")
    assert "11010519491231002X" not in token and token != cipher.encrypt("id", "11010519491231002X")
    assert cipher.decrypt("id", token) == "11010519491231002X"
    with pytest.raises(InvalidTag):
        cipher.decrypt("phone", token)  # moved to another field
    with pytest.raises(InvalidTag):
        RegisterCipher(parse_key(new_key())).decrypt("id", token)


def test_digests_are_equal_for_equal_values_and_differ_by_key_and_kind() -> None:
    key = parse_key(new_key())
    one, two = RegisterCipher(key), RegisterCipher(key)
    assert one.digest("phone", "13812341234") == two.digest("phone", "13812341234")
    assert one.digest("phone", "13812341234") != one.digest("id", "13812341234")
    assert one.digest("id4", "002X") != RegisterCipher(parse_key(new_key())).digest("id4", "002X")


def test_the_key_comes_from_the_environment_and_only_the_demo_keeps_a_file(tmp_path: Path) -> None:
    configured = new_key()
    assert load_key(configured, tmp_path, demo=False) == parse_key(configured)
    with pytest.raises(KeyMissing, match="GRIDHUB_REGISTER_KEY"):
        load_key(None, tmp_path, demo=False)
    with pytest.raises(KeyMissing, match="32 bytes"):
        load_key("c2hvcnQ=", tmp_path, demo=False)
    assert not (tmp_path / KEY_FILE).exists()
    made = load_key(None, tmp_path, demo=True)
    assert load_key(None, tmp_path, demo=True) == made
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600
