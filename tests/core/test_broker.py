"""The embedded broker (kombu's filesystem transport, smartship.broker): a message file is only ever seen
complete, and an unreadable one is skipped instead of stopping the worker."""

from __future__ import annotations

import logging
import os

import pytest
from kombu import Connection

from smartship.broker import PARTIAL


@pytest.fixture
def channel(tmp_path):
    folders = {name: tmp_path / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir()
    connection = Connection("filesystem://", transport="smartship.broker:Transport", transport_options={
        "data_folder_in": str(folders["queue"]), "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]), "control_folder": str(folders["control"])})
    chan = connection.default_channel
    yield chan, folders["queue"]
    connection.release()


def test_a_message_appears_under_its_queue_name_only_when_complete(channel, monkeypatch):
    chan, queue_dir = channel
    renames = []
    real_replace = os.replace

    def replace(source, target):
        # At the rename the message is whole and no file of the queue exists yet: a reader sees nothing before.
        assert source.endswith(PARTIAL) and os.path.getsize(source) > 0
        assert [name for name in os.listdir(queue_dir) if name.endswith(".tasks.msg")] == []
        renames.append(target)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    chan._put("tasks", {"body": "x" * 10_000})
    assert len(renames) == 1 and os.listdir(queue_dir) == [os.path.basename(renames[0])]
    assert chan._get("tasks") == {"body": "x" * 10_000}


def test_an_unreadable_message_is_skipped_and_the_next_one_delivered(channel, caplog):
    chan, queue_dir = channel
    # Sorted before any real name (the reader takes the oldest first); what kombu's own writer leaves for a moment.
    (queue_dir / "0_aaaa.tasks.msg").write_bytes(b"")
    chan._put("tasks", {"n": 2})
    logger = logging.getLogger("smartship.broker")
    logger.addHandler(caplog.handler)  # the project's loggers do not propagate to the root
    try:
        assert chan._get("tasks") == {"n": 2}
    finally:
        logger.removeHandler(caplog.handler)
    assert "unreadable message of queue tasks" in caplog.text


def test_a_message_still_being_written_is_not_taken(channel):
    chan, queue_dir = channel
    (queue_dir / f"1_bbbb.tasks.msg{PARTIAL}").write_bytes(b'{"n": ')
    from queue import Empty

    with pytest.raises(Empty):
        chan._get("tasks")
