"""Each grid's robot key for notices: the environment's wins over the town file's, and a key for a grid the town
lacks is left out, the log naming the grid and never the key."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from adapters.gridwork_service import robot_keys
from hub.gridwork.notice_config import NoticesConfig


def test_the_environment_wins_and_unknown_grids_are_left_out(caplog: pytest.LogCaptureFixture) -> None:
    config = NoticesConfig.model_validate({"robots": {"G19": "file-key-19", "G20": "file-key-20"}})
    environment = {"G19": SecretStr("env-key-19"), "G99": SecretStr("env-key-99")}
    with caplog.at_level(logging.WARNING):
        keys = robot_keys(config, environment, {"G19", "G20", "G21"})
    assert keys == {"G19": "env-key-19", "G20": "file-key-20"}
    assert "G99" in caplog.text and "env-key-99" not in caplog.text
