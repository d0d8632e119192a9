"""Nothing outside the seeds folder is ever read; special, vanishing and changing files are recorded, not read."""
from __future__ import annotations

import json
import os
import socket
import stat

import pytest

from claimhouse.steps import raw as raw_steps
from claimhouse.warehouse.db import connect

SECRET = "root:x:0:0:TOP-SECRET-ACCOUNT:/root:/bin/bash"
STORY = "The minister said on Monday that the bridge would reopen in May after repairs.\n"


@pytest.fixture()
def tree(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_text(SECRET, encoding="utf-8")
    (outside / "folder").mkdir()
    (outside / "folder" / "inner.txt").write_text(SECRET, encoding="utf-8")
    (seeds / "story.txt").write_text(STORY, encoding="utf-8")
    return seeds, outside, tmp_path / "w.duckdb"


def fates(con) -> dict[str, tuple[str, str]]:
    return {os.path.basename(p): (stage, reason) for p, stage, reason in
            con.execute("select source_path, stage, reason from quarantine.documents").fetchall()}


def no_secret_anywhere(con) -> None:
    assert con.execute("select count(*) from raw.documents where contains(decode(content), 'TOP-SECRET')"
                       ).fetchone()[0] == 0
    assert con.execute("select count(*) from raw.files where source_path like '%outside%'").fetchone()[0] == 0


def test_links_out_of_the_folder_are_never_followed(tree):
    seeds, outside, wh = tree
    os.symlink(outside / "passwd", seeds / "passwd.txt")
    os.symlink(outside / "folder", seeds / "linked_folder")
    os.symlink("/etc/passwd", seeds / "etc_passwd.html")
    os.symlink(seeds / "missing.txt", seeds / "dangling.txt")
    with connect(wh) as con:
        raw_steps.scan(con, seeds)
        got = fates(con)
        assert got["passwd.txt"] == ("raw", "symlink_outside")
        assert got["etc_passwd.html"] == ("raw", "symlink_outside")
        assert got["linked_folder"] == ("raw", "symlink_outside")
        assert got["dangling.txt"] == ("raw", "broken_symlink")
        detail = con.execute("select detail from quarantine.documents where source_path like '%passwd.txt'"
                             ).fetchone()[0]
        assert "not followed" in detail
        no_secret_anywhere(con)
        assert con.execute("select count(*) from raw.documents").fetchone()[0] == 1  # story.txt


def test_a_link_inside_the_folder_is_read_once(tree):
    seeds, _, wh = tree
    (seeds / "sub").mkdir()
    os.symlink(seeds / "story.txt", seeds / "sub" / "alias.txt")
    os.symlink(seeds / "sub", seeds / "alias_folder")  # a link to a folder inside: not walked twice
    with connect(wh) as con:
        raw_steps.scan(con, seeds)
        assert con.execute("select source_path from raw.files").fetchall() == [(str(seeds / "story.txt"),)]
        assert con.execute("select count(*) from raw.documents").fetchone()[0] == 1
        assert fates(con) == {}


def test_paths_handed_to_the_scan_must_lie_inside_the_folder(tree):
    seeds, outside, wh = tree
    with connect(wh) as con:
        raw_steps.scan(con, seeds, paths=[str(outside / "passwd"), str(seeds / "story.txt"),
                                      str(seeds / ".." / "outside" / "passwd")])
        assert fates(con) == {"passwd": ("raw", "outside_seeds")}
        no_secret_anywhere(con)
        assert con.execute("select count(*) from raw.documents").fetchone()[0] == 1


def test_fifos_sockets_and_devices_are_recorded_not_opened(tree):
    seeds, _, wh = tree
    os.mkfifo(seeds / "pipe.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(seeds / "sock.txt"))
    made_device = False
    try:
        os.mknod(seeds / "null.txt", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        made_device = True
    except (PermissionError, OSError):
        pass  # not root, or no device nodes here
    try:
        with connect(wh) as con:
            raw_steps.scan(con, seeds)  # would block forever if the FIFO were opened
            got = fates(con)
            assert got["pipe.txt"] == ("raw", "not_a_file") and got["sock.txt"] == ("raw", "not_a_file")
            if made_device:
                assert got["null.txt"] == ("raw", "not_a_file")
    finally:
        sock.close()


def test_a_file_that_changes_while_it_is_read_is_read_again_next_time(tree, monkeypatch):
    seeds, _, wh = tree
    target = seeds / "story.txt"
    real = raw_steps._HashedFile.hexdigest

    def grow_then_hash(self):
        with open(target, "a", encoding="utf-8") as f:  # a crawler still writing the file
            f.write("More news arrived while the file was read.\n")
        return real(self)

    with connect(wh) as con:
        monkeypatch.setattr(raw_steps._HashedFile, "hexdigest", grow_then_hash)
        raw_steps.scan(con, seeds)
        assert fates(con) == {"story.txt": ("raw", "changed_during_scan")}
        assert con.execute("select count(*) from raw.files").fetchone()[0] == 0
        assert con.execute("select count(*) from raw.file_documents").fetchone()[0] == 0
        monkeypatch.setattr(raw_steps._HashedFile, "hexdigest", real)
        raw_steps.scan(con, seeds)  # the next run picks it up, and the miss is no longer on record
        assert con.execute("select count(*) from raw.files").fetchone()[0] == 1
        text = con.execute("select decode(content) from raw.documents r join raw.file_documents using (doc_id)"
                           ).fetchone()[0]
        assert text.endswith("while the file was read.\n")
        assert fates(con) == {}


def test_a_file_that_vanishes_after_listing_is_recorded_and_picked_up_when_back(tree, monkeypatch):
    seeds, _, wh = tree
    ghost = seeds / "ghost.txt"
    listed = raw_steps.list_input_files
    monkeypatch.setattr(raw_steps, "list_input_files", lambda d: listed(d) + [ghost])
    with connect(wh) as con:
        raw_steps.scan(con, seeds)
        assert fates(con) == {"ghost.txt": ("raw", "vanished")}
        ghost.write_text(STORY.replace("May", "June"), encoding="utf-8")
        raw_steps.scan(con, seeds)
        assert con.execute("select count(*) from raw.files").fetchone()[0] == 2
        assert fates(con) == {}


def _bigger(seeds, outside):  # another process renames a new version in place
    (seeds / "new.tmp").write_text(STORY + STORY, encoding="utf-8")
    os.replace(seeds / "new.tmp", seeds / "story.txt")


def _same_size_and_time(seeds, outside):  # only the inode tells: same size, same modification time
    before = os.stat(seeds / "story.txt")
    (seeds / "new.tmp").write_text(STORY.upper(), encoding="utf-8")
    os.utime(seeds / "new.tmp", ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(seeds / "new.tmp", seeds / "story.txt")


def _link_out(seeds, outside):  # a link to a file outside, swapped in after the listing
    os.symlink(outside / "passwd", seeds / "new.tmp")
    os.replace(seeds / "new.tmp", seeds / "story.txt")


@pytest.mark.parametrize("swap", [_bigger, _same_size_and_time, _link_out])
def test_a_file_replaced_between_listing_and_reading(tree, monkeypatch, swap):
    seeds, outside, wh = tree
    real_open = raw_steps._open_regular

    def swap_then_open(path, listed):
        swap(seeds, outside)
        return real_open(path, listed)

    monkeypatch.setattr(raw_steps, "_open_regular", swap_then_open)
    with connect(wh) as con:
        raw_steps.scan(con, seeds)
        assert fates(con) == {"story.txt": ("raw", "changed_during_scan")}
        assert con.execute("select count(*) from raw.documents").fetchone()[0] == 0
        assert con.execute("select count(*) from raw.files").fetchone()[0] == 0
        no_secret_anywhere(con)


def test_a_big_container_changed_while_read_leaves_no_documents(tree, monkeypatch):
    """Documents of a big container land before the whole file is read; they are taken back when the
    file turns out to have changed meanwhile, and read again on the next scan."""
    seeds, _, wh = tree
    dump = seeds / "dump.jsonl"
    dump.write_text("".join(json.dumps({"url": f"https://example.net/{i}", "text": f"{STORY} Item {i}."}) + "\n"
                            for i in range(6)), encoding="utf-8")
    monkeypatch.setattr(raw_steps, "SCAN_BATCH_BYTES", 200)  # land every two records or so
    real = raw_steps._HashedFile.hexdigest

    def grow_then_hash(self):
        if os.fstat(self._f.fileno()).st_ino == os.stat(dump).st_ino:
            with open(dump, "a", encoding="utf-8") as f:
                f.write(json.dumps({"url": "https://example.net/late", "text": STORY + " Late."}) + "\n")
        return real(self)

    with connect(wh) as con:
        monkeypatch.setattr(raw_steps._HashedFile, "hexdigest", grow_then_hash)
        result = raw_steps.scan(con, seeds)
        assert fates(con) == {"dump.jsonl": ("raw", "changed_during_scan")}
        assert con.execute("select source_path from raw.documents").fetchall() == [(str(seeds / "story.txt"),)]
        assert result.written == 1
        monkeypatch.setattr(raw_steps._HashedFile, "hexdigest", real)
        assert raw_steps.scan(con, seeds).written == 7
        assert con.execute("select count(*) from raw.file_documents where source_path like '%dump.jsonl'"
                           ).fetchone()[0] == 7
        assert fates(con) == {}


def test_an_unreadable_file_is_recorded_and_retried(tree, monkeypatch):
    seeds, _, wh = tree
    real_open = os.open

    def denied(path, flags, *args, **kwargs):  # root reads any mode bits: deny it the way EACCES does
        if str(path).endswith("story.txt"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    with connect(wh) as con:
        monkeypatch.setattr(os, "open", denied)
        raw_steps.scan(con, seeds)
        monkeypatch.setattr(os, "open", real_open)
        assert fates(con) == {"story.txt": ("raw", "unreadable")}
        raw_steps.scan(con, seeds)
        assert fates(con) == {} and con.execute("select count(*) from raw.files").fetchone()[0] == 1
