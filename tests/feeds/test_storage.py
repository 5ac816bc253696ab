"""Publish targets: one contract over every registered storage, then what is special to each.

S3 goes through boto3 to moto's server over real HTTP (the `s3_server` fixture); file:// is checked
against SIGKILL at random points of a large publish.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from feeds.atomic import TEMP_PREFIX
from feeds.errors import ExportError, FeedError, PublishedChanged, TransientFeedError
from feeds.storage import STORAGES, FileStorage, PublishedInfo, S3Storage, Storage, storage_for
from feeds.storage.s3 import translate_error

REGION = "eu-central-1"
REPO_ROOT = Path(__file__).resolve().parents[2]
MIB = 1024**2


@functools.cache
def _boto_client(endpoint: str) -> Any:
    """One plain client for arranging and inspecting buckets (a boto3 client costs ~0.15 s to make)."""
    import boto3

    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=REGION)


def _new_bucket(endpoint: str, *, versioned: bool = False) -> str:
    """A fresh bucket per test: moto keeps buckets for the whole session."""
    name = f"feeds-{uuid.uuid4().hex[:12]}"
    client = _boto_client(endpoint)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    if versioned:
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def _file_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    return storage_for((tmp_path / "public" / "feed.xml").as_uri())


def _s3_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    endpoint = request.getfixturevalue("s3_server")
    uri = f"s3://{_new_bucket(endpoint)}/exports/feed.xml"
    return storage_for(uri, s3_endpoint_url=endpoint, s3_region=REGION)


# One factory per registry entry; test_every_storage_is_under_contract keeps this in step with STORAGES.
CONTRACT_FACTORIES: dict[str, Callable[[pytest.FixtureRequest, Path], Storage]] = {
    "file": _file_storage,
    "s3": _s3_storage,
}


@pytest.fixture(params=sorted(STORAGES))
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    return CONTRACT_FACTORIES[request.param](request, tmp_path)


@pytest.fixture
def exports(tmp_path: Path) -> Callable[[bytes], Path]:
    """Write a local export (as a run's workspace would hold it) and return its path."""
    workspace = tmp_path / "run"
    workspace.mkdir()

    def write(content: bytes) -> Path:
        path = workspace / f"export-{uuid.uuid4().hex[:8]}.xml"
        path.write_bytes(content)
        return path

    return write


def test_every_storage_is_under_contract() -> None:
    assert set(CONTRACT_FACTORIES) == set(STORAGES)


class TestStorageContract:
    def test_nothing_published_yet(self, storage: Storage, tmp_path: Path) -> None:
        assert not storage.exists()
        assert storage.fetch_current(tmp_path / "current.xml") is False
        assert storage.fetch_previous(tmp_path / "previous.xml") is False
        assert storage.cleanup_leftovers() == 0
        assert not (tmp_path / "current.xml").exists()

    def test_publish_then_fetch_is_byte_identical(
        self, storage: Storage, exports: Callable[[bytes], Path], tmp_path: Path
    ) -> None:
        content = b"<SHOP><SHOPITEM><ITEM_ID>1</ITEM_ID></SHOPITEM></SHOP>\n" * 500
        result = storage.publish(exports(content))

        assert storage.exists()
        assert storage.fetch_current(tmp_path / "current.xml") is True
        assert (tmp_path / "current.xml").read_bytes() == content
        assert (result.uri, result.bytes) == (storage.uri, len(content))
        assert result.sha256 == _sha256(content)

    def test_replace_keeps_previous_retrievable(
        self, storage: Storage, exports: Callable[[bytes], Path], tmp_path: Path
    ) -> None:
        storage.publish(exports(b"<first/>"))
        storage.publish(exports(b"<second/>"))
        storage.publish(exports(b"<third/>"))

        assert storage.fetch_current(tmp_path / "current.xml")
        assert storage.fetch_previous(tmp_path / "previous.xml")
        assert (tmp_path / "current.xml").read_bytes() == b"<third/>"
        assert (tmp_path / "previous.xml").read_bytes() == b"<second/>"  # one generation

    def test_gzip_publishes_compressed_bytes_deterministically(
        self, storage: Storage, exports: Callable[[bytes], Path], tmp_path: Path
    ) -> None:
        content = b"<item>same</item>\n" * 10_000
        first = storage.publish(exports(content), gzip=True)
        second = storage.publish(exports(content), gzip=True)

        assert storage.fetch_current(tmp_path / "current.xml.gz")
        published = (tmp_path / "current.xml.gz").read_bytes()
        assert gzip.decompress(published) == content
        assert published[3:8] == b"\0\0\0\0\0"  # no flags (no file name), mtime 0: same export, same bytes
        assert (
            (first.sha256, first.bytes)
            == (second.sha256, second.bytes)
            == (_sha256(published), len(published))
        )

    def test_missing_export_is_refused_before_touching_the_target(
        self, storage: Storage, exports: Callable[[bytes], Path], tmp_path: Path
    ) -> None:
        storage.publish(exports(b"<live/>"))

        with pytest.raises(ExportError, match="nothing to publish"):
            storage.publish(tmp_path / "run" / "never-written.xml")

        assert storage.fetch_current(tmp_path / "current.xml")
        assert (tmp_path / "current.xml").read_bytes() == b"<live/>"
        assert storage.fetch_previous(tmp_path / "previous.xml") is False


class TestServingContract:
    """`open_current`: what the web server reads, pinned at one version, with the gzip copy of exactly it."""

    def test_nothing_published_opens_nothing(self, storage: Storage) -> None:
        assert storage.open_current() is None
        assert storage.open_current(gzip_copy=True) is None

    def test_plain_export_and_its_gzip_copy_describe_one_version(
        self, storage: Storage, exports: Callable[[bytes], Path]
    ) -> None:
        content = b"<SHOP><SHOPITEM><ITEM_ID>1</ITEM_ID></SHOPITEM></SHOP>\n" * 500
        storage.publish(exports(content))

        plain, packed = _read_current(storage), _read_current(storage, gzip_copy=True)

        assert (plain.body, plain.info.gzip_copy, plain.info.size) == (content, False, len(content))
        assert packed.info.gzip_copy and gzip.decompress(packed.body) == content
        assert packed.info.size == len(packed.body) < len(content) // 10
        assert (packed.info.version, packed.info.modified) == (plain.info.version, plain.info.modified)
        storage.publish(exports(content + b"<!-- next -->"))
        assert _read_current(storage).info.version != plain.info.version

    def test_gzip_export_is_served_as_published_without_a_copy(
        self, storage: Storage, exports: Callable[[bytes], Path], tmp_path: Path
    ) -> None:
        storage.publish(exports(b"<x/>" * 1000), gzip=True)
        storage.fetch_current(tmp_path / "published.gz")

        current = _read_current(storage, gzip_copy=True)

        assert not current.info.gzip_copy and current.body == (tmp_path / "published.gz").read_bytes()

    def test_a_range_is_read_from_the_pinned_version(
        self, storage: Storage, exports: Callable[[bytes], Path]
    ) -> None:
        storage.publish(exports(b"0123456789"))
        with storage.open_current() as current:  # type: ignore[union-attr]
            readable = current.open_bytes(2, 5)
            try:
                assert readable.read(3) == b"234"
            finally:
                readable.close()

    def test_bytes_read_after_a_publish_are_the_described_version_or_refused(
        self, storage: Storage, exports: Callable[[bytes], Path]
    ) -> None:
        storage.publish(exports(b"<first/>"))
        with storage.open_current() as current:  # type: ignore[union-attr]
            storage.publish(exports(b"<second!/>"))
            try:
                readable = current.open_bytes()
            except PublishedChanged:  # S3: If-Match on the ETag the description came from
                return
            with contextlib.closing(readable):
                assert readable.read(current.info.size) == b"<first/>"  # file: the open file

    def test_a_rollback_of_the_export_alone_never_serves_the_newer_gzip_copy(
        self, storage: Storage, exports: Callable[[bytes], Path]
    ) -> None:
        storage.publish(exports(b"<first/>" * 100))
        storage.publish(exports(b"<second/>" * 100))

        _restore_previous(storage, copy=False)  # by hand, as the module docstring allows
        rolled_back = _read_current(storage, gzip_copy=True)
        assert (rolled_back.info.gzip_copy, rolled_back.body) == (False, b"<first/>" * 100)

        _restore_previous(storage, copy=True)  # the pair: the older copy is the export's own again
        both = _read_current(storage, gzip_copy=True)
        assert both.info.gzip_copy and gzip.decompress(both.body) == b"<first/>" * 100


@dataclass
class _Read:
    info: PublishedInfo
    body: bytes


def _read_current(storage: Storage, *, gzip_copy: bool = False) -> _Read:
    current = storage.open_current(gzip_copy=gzip_copy)
    assert current is not None
    with current, contextlib.closing(current.open_bytes()) as readable:
        return _Read(current.info, readable.read(current.info.size))


def _restore_previous(storage: Storage, *, copy: bool) -> None:
    """What an operator does to roll a publish back: the `.previous` file or object over the live one."""
    if isinstance(storage, FileStorage):
        live = storage.gzip_copy_path if copy else storage.path
        os.replace(live.with_name(live.name + ".previous"), live)
        return
    assert isinstance(storage, S3Storage)
    key = storage.gzip_copy_key if copy else storage.key
    client = storage._client
    client.copy_object(Bucket=storage.bucket, Key=key, CopySource={"Bucket": storage.bucket, "Key": key + ".previous"})


def _sha256(content: bytes) -> str:
    import hashlib

    return hashlib.sha256(content).hexdigest()


class TestStorageFor:
    @pytest.mark.parametrize(
        ("uri", "expected"),
        [
            ("file:///srv/feeds/heureka.xml", Path("/srv/feeds/heureka.xml")),
            ("file://localhost/srv/feeds/heureka.xml", Path("/srv/feeds/heureka.xml")),
            ("file:///srv/my%20feeds/a.xml", Path("/srv/my feeds/a.xml")),  # as Path.as_uri() writes it
            ("FILE:///srv/a.xml", Path("/srv/a.xml")),  # schemes are case-insensitive
        ],
    )
    def test_file_uris(self, uri: str, expected: Path) -> None:
        storage = storage_for(uri)
        assert isinstance(storage, FileStorage)
        assert storage.path == expected

    def test_s3_uri(self) -> None:
        storage = storage_for("s3://my-bucket/prefix/google.xml.gz", s3_endpoint_url="http://127.0.0.1:9")
        assert isinstance(storage, S3Storage)
        assert (storage.bucket, storage.key, storage.uri) == (
            "my-bucket",
            "prefix/google.xml.gz",
            "s3://my-bucket/prefix/google.xml.gz",
        )

    @pytest.mark.parametrize(
        ("uri", "reason"),
        [
            ("ftp://host/feed.xml", "unsupported publish target"),
            ("/srv/feeds/heureka.xml", "unsupported publish target"),  # a bare path is not a URI
            ("file://server/share/feed.xml", "host 'server' is not allowed"),
            ("file:relative/feed.xml", "must be absolute"),
            ("file:///srv/feeds/", "names a folder"),
            ("file:///srv/feed.xml?x=1", "not allowed"),
            ("s3://Bad_Bucket/feed.xml", "not a valid bucket name"),
            ("s3:///feed.xml", "not a valid bucket name"),
            ("s3://my-bucket", "must name an object"),
            ("s3://my-bucket/feeds/", "must name an object"),
        ],
    )
    def test_bad_uris_are_export_errors(self, uri: str, reason: str) -> None:
        with pytest.raises(ExportError, match=reason):
            storage_for(uri)

    def test_a_publish_folder_confines_file_targets(self, tmp_path: Path) -> None:
        root = tmp_path / "exports"
        (root / "shop").mkdir(parents=True)
        (root / "shop" / "escape").symlink_to(tmp_path)  # a link out of the folder
        inside = storage_for((root / "shop" / "new" / "feed.xml").as_uri(), file_root=root)
        assert isinstance(inside, FileStorage) and inside.path == root / "shop" / "new" / "feed.xml"
        for outside in (tmp_path / "feed.xml", root / ".." / "feed.xml", root / "shop" / "escape" / "feed.xml"):
            with pytest.raises(ExportError, match="outside this server's publish folder") as caught:
                storage_for(outside.as_uri(), file_root=root)
            assert "FEEDHUB_EXPORTS_DIR" in (caught.value.hint or "")

    def test_publish_prefixes_confine_s3_targets(self) -> None:
        prefixes = ("s3://feeds/shops/1/", "s3://shop-one/")
        for uri in ("s3://feeds/shops/1/google.xml", "s3://feeds/shops/1/a/b.xml", "s3://shop-one/x.xml"):
            assert isinstance(storage_for(uri, s3_prefixes=prefixes), S3Storage)
        for uri in ("s3://feeds/shops/10/google.xml", "s3://feeds/shops/2/google.xml", "s3://feeds/google.xml",
                    "s3://other/shops/1/google.xml"):  # fmt: skip
            with pytest.raises(ExportError, match="outside this server's S3 publish prefixes") as caught:
                storage_for(uri, s3_prefixes=prefixes)
            assert "FEEDHUB_S3_PUBLISH_PREFIXES" in (caught.value.hint or "")
        with pytest.raises(ExportError, match=r"prefixes \(none\)"):
            storage_for("s3://feeds/shops/1/google.xml", s3_prefixes=())

    @pytest.mark.parametrize(
        ("uri", "reason"),
        [
            ("file:///srv/feeds/google.xml.previous", "Feedhub's own"),  # another export's kept version
            ("file:///srv/feeds/.feedhub-tmp-google.xml", "Feedhub's own"),
            ("s3://feeds/shops/1/google.xml.previous", "Feedhub's own"),
            ("file:///srv/feeds/google.xml.feedhub.gz", "Feedhub's own"),  # another export's gzip copy
            ("s3://feeds/shops/1/google.xml.feedhub.gz", "Feedhub's own"),
            ("file:///srv/feeds/a%00.xml", "NUL character"),
            ("s3://[feeds/google.xml", "Invalid IPv6 URL"),
        ],
    )
    def test_reserved_and_malformed_targets_are_export_errors(self, uri: str, reason: str) -> None:
        with pytest.raises(ExportError, match=reason):
            storage_for(uri)

    @pytest.mark.parametrize(
        ("name", "reason"),
        [
            ("a" * 5000 + ".xml", "the file name is longer than 225 bytes"),  # was ENAMETOOLONG at the first look
            ("ž" * 113, "the file name is longer than 225 bytes"),  # bytes count, not characters
            ("a" * 300 + "/feed.xml", "a folder name in the path is longer than 255 bytes"),
            ("/".join(["a" * 250] * 17) + "/feed.xml", "the path is longer than 4,065 bytes"),
        ],
    )
    def test_a_name_the_file_system_would_refuse_is_named_in_one_short_line(self, name: str, reason: str) -> None:
        with pytest.raises(ExportError, match=reason) as caught:
            storage_for(f"file:///srv/feeds/{name}")
        assert len(str(caught.value)) < 250  # the URI is quoted with its middle left out

    def test_the_longest_file_name_allowed_is_the_longest_a_publish_can_write(self, tmp_path: Path) -> None:
        export = tmp_path / "export.xml"
        export.write_bytes(b"<SHOP/>")
        storage = storage_for((tmp_path / "out" / ("a" * 225)).as_uri())
        for _ in range(2):  # the second publish also keeps the first as the previous version
            storage.publish(export)
        assert storage.fetch_previous(tmp_path / "previous.xml")
        with pytest.raises(ExportError, match="the file name is longer than 225 bytes"):
            storage_for((tmp_path / "out" / ("a" * 226)).as_uri())  # its temp sibling's name would need 256

    @pytest.mark.parametrize("uri", ["s3://feeds/shops/1/../2/google.xml", "s3://feeds/shops/1/./google.xml"])
    def test_dot_segments_in_s3_keys_are_refused(self, uri: str) -> None:
        with pytest.raises(ExportError, match="'..' are not allowed"):
            storage_for(uri, s3_prefixes=("s3://feeds/shops/1/",))

    @pytest.mark.parametrize(
        "prefix",
        ["s3://feeds/shops/1", "https://feeds/shops/1/", "s3://Bad_Bucket/", "feeds/", "s3://feeds/x/?a", "s3://feeds/1/../"],
    )
    def test_a_bad_publish_prefix_is_named(self, prefix: str) -> None:
        with pytest.raises(ValueError, match="is not an S3 publish prefix"):
            S3Storage.check_prefix(prefix)

    def test_every_problem_is_reported_at_once(self) -> None:
        with pytest.raises(ExportError) as caught:
            storage_for("s3://B/")
        assert "bucket name" in str(caught.value) and "must name an object" in str(caught.value)

    def test_unknown_scheme_lists_the_known_ones(self) -> None:
        with pytest.raises(ExportError) as caught:
            storage_for("gs://bucket/feed.xml")
        assert caught.value.hint == "use one of: file://, s3://"


_PUBLISH_CHILD = """
import sys
from pathlib import Path
from feeds.storage import storage_for

storage = storage_for(sys.argv[1])
print("ready", flush=True)
storage.publish(Path(sys.argv[2]))
print("done", flush=True)
"""


class TestFileStorage:
    # Seconds between "ready" and SIGKILL; a 64 MiB publish with fsync takes a few tenths of a second,
    # so these land before, during and after the copy, the link to .previous and the rename.
    KILL_DELAYS_S = (0.0, 0.03, 0.1, 0.2, 0.35)

    def test_sigkill_at_any_point_leaves_old_or_new_file(self, tmp_path: Path) -> None:
        old = b"old!" * (12 * MIB)  # 48 MiB each
        new = b"NEW." * (12 * MIB)
        (tmp_path / "new.xml").write_bytes(new)
        storage = FileStorage(tmp_path / "public" / "feed.xml")
        storage.path.parent.mkdir()
        killed_mid_write = 0

        for delay in self.KILL_DELAYS_S:
            storage.path.write_bytes(old)
            storage.previous_path.unlink(missing_ok=True)
            finished = self._publish_and_kill(storage, tmp_path / "new.xml", delay)

            assert storage.path.read_bytes() in (old, new), f"torn target after kill at {delay}s"
            served = _read_current(storage, gzip_copy=True)  # the copy only if it is the live file's
            assert (gzip.decompress(served.body) if served.info.gzip_copy else served.body) == storage.path.read_bytes()
            if storage.previous_path.exists():
                assert storage.previous_path.read_bytes() == old
            leftovers = _temp_files(storage.path.parent)
            killed_mid_write += bool(leftovers)
            assert finished is False or not leftovers
            assert storage.cleanup_leftovers() == len(leftovers)
            assert _temp_files(storage.path.parent) == []

        assert killed_mid_write, "no kill landed during the publish: raise the file size"

    def test_publish_that_runs_to_the_end_replaces_and_keeps_previous(self, tmp_path: Path) -> None:
        storage = FileStorage(tmp_path / "public" / "feed.xml")
        storage.path.parent.mkdir()
        storage.path.write_bytes(b"old")
        (tmp_path / "new.xml").write_bytes(b"new")

        assert self._publish_and_kill(storage, tmp_path / "new.xml", None) is True
        assert (storage.path.read_bytes(), storage.previous_path.read_bytes()) == (b"new", b"old")

    @staticmethod
    def _publish_and_kill(storage: FileStorage, export: Path, delay: float | None) -> bool:
        """Publish in a child process and SIGKILL it `delay` seconds in; True if it finished first."""
        child = subprocess.Popen(
            [sys.executable, "-c", _PUBLISH_CHILD, storage.uri, str(export)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
        )
        assert child.stdout is not None
        with child:
            assert child.stdout.readline() == b"ready\n"
            if delay is None:
                return child.wait(timeout=30) == 0
            time.sleep(delay)
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
            return child.stdout.read() == b"done\n"

    def test_cleanup_leaves_other_targets_temp_files_alone(self, tmp_path: Path) -> None:
        ours = FileStorage(tmp_path / "feed.xml")
        own_leftover = tmp_path / f"{TEMP_PREFIX}feed.xml.{'a' * 16}"
        others = [
            tmp_path / f"{TEMP_PREFIX}other.xml.{'b' * 16}",  # another project publishing right now
            tmp_path / f"{TEMP_PREFIX}feed.xml.gz.{'c' * 16}",  # a target whose name starts like ours
            tmp_path / "feed.xml.previous",
        ]
        for path in [own_leftover, *others]:
            path.write_bytes(b"x")

        assert ours.cleanup_leftovers() == 1
        assert not own_leftover.exists()
        assert all(path.exists() for path in others)

    def test_gzip_copy_is_a_plain_gzip_member_any_gunzip_reads(self, tmp_path: Path) -> None:
        content = "<SHOP><PRODUCT>Žluťoučký kůň</PRODUCT></SHOP>\n".encode() * 2000
        (tmp_path / "export.xml").write_bytes(content)
        storage = FileStorage(tmp_path / "public" / "feed.xml")
        storage.publish(tmp_path / "export.xml")
        packed = storage.gzip_copy_path.read_bytes()

        assert gzip.decompress(packed) == zlib.decompress(packed, 31) == content  # the comment is skipped
        assert subprocess.run(["gzip", "-dc"], input=packed, capture_output=True, check=True).stdout == content
        assert sorted(p.name for p in storage.path.parent.iterdir()) == ["feed.xml", "feed.xml.feedhub.gz"]

    def test_cleanup_removes_a_crashed_publish_of_the_gzip_copy(self, tmp_path: Path) -> None:
        storage = FileStorage(tmp_path / "feed.xml")
        (tmp_path / "export.xml").write_bytes(b"<x/>")
        storage.publish(tmp_path / "export.xml")
        storage.publish(tmp_path / "export.xml")
        leftover = tmp_path / f"{TEMP_PREFIX}feed.xml.{'d' * 16}"  # a copy's temp file carries the target's name
        leftover.write_bytes(b"\x1f\x8b")

        assert storage.cleanup_leftovers() == 1
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "export.xml", "feed.xml", "feed.xml.feedhub.gz", "feed.xml.feedhub.gz.previous", "feed.xml.previous",
        ]

    def test_published_file_gets_the_umask_mode_not_0600(self, tmp_path: Path) -> None:
        old_umask = os.umask(0o022)
        try:
            result_path = FileStorage(tmp_path / "feed.xml")
            (tmp_path / "export.xml").write_bytes(b"<x/>")
            result_path.publish(tmp_path / "export.xml")
        finally:
            os.umask(old_umask)
        assert result_path.path.stat().st_mode & 0o777 == 0o644  # the web server can read it

    def test_previous_is_copied_where_hard_links_fail(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        storage = FileStorage(tmp_path / "feed.xml")
        storage.path.write_bytes(b"old")
        (tmp_path / "export.xml").write_bytes(b"new")

        def no_links(src: object, dst: object) -> None:
            raise PermissionError("hard links not supported here")

        monkeypatch.setattr(os, "link", no_links)
        storage.publish(tmp_path / "export.xml")

        assert (storage.path.read_bytes(), storage.previous_path.read_bytes()) == (b"new", b"old")
        assert _temp_files(tmp_path) == []


def _temp_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{TEMP_PREFIX}*"))


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TestS3Storage:
    def test_missing_bucket_is_export_error_naming_it(
        self, s3_server: str, exports: Callable[[bytes], Path]
    ) -> None:
        storage = S3Storage("no-such-bucket-here", "feeds/google.xml", endpoint_url=s3_server, region=REGION)

        with pytest.raises(ExportError) as caught:
            storage.publish(exports(b"<x/>"))

        assert not caught.value.transient
        assert "s3://no-such-bucket-here/feeds/google.xml" in str(caught.value)
        assert "bucket 'no-such-bucket-here' does not exist" in str(caught.value)

    def test_unreachable_endpoint_is_transient_and_live_object_unchanged(
        self, s3_server: str, exports: Callable[[bytes], Path], tmp_path: Path
    ) -> None:
        bucket = _new_bucket(s3_server)
        live = S3Storage(bucket, "feed.xml", endpoint_url=s3_server, region=REGION)
        live.publish(exports(b"<live/>"))
        unreachable = S3Storage(
            bucket,
            "feed.xml",
            endpoint_url=f"http://127.0.0.1:{_closed_port()}",
            region=REGION,
            connect_timeout_s=0.5,
            max_attempts=1,
        )

        with pytest.raises(TransientFeedError, match=f"s3://{bucket}/feed.xml"):
            unreachable.publish(exports(b"<new/>"))

        assert live.fetch_current(tmp_path / "current.xml")
        assert (tmp_path / "current.xml").read_bytes() == b"<live/>"

    def test_connection_lost_mid_multipart_upload_keeps_live_object(
        self, s3_server: str, exports: Callable[[bytes], Path], tmp_path: Path
    ) -> None:
        from botocore.exceptions import ConnectionClosedError

        bucket = _new_bucket(s3_server)
        storage = S3Storage(
            bucket,
            "feed.xml",
            endpoint_url=s3_server,
            region=REGION,
            max_attempts=1,
            multipart_threshold_bytes=5 * MIB,  # S3's smallest part
        )
        storage.publish(exports(b"<live/>"))
        sent_parts: list[int] = []

        def drop_second_part(**kwargs: Any) -> None:
            sent_parts.append(1)
            if len(sent_parts) == 2:
                raise ConnectionClosedError(endpoint_url=s3_server)

        storage._client.meta.events.register("before-send.s3.UploadPart", drop_second_part)
        with pytest.raises(TransientFeedError, match="cannot reach S3"):
            storage.publish(exports(b"n" * (12 * MIB)))

        assert storage.fetch_current(tmp_path / "current.xml")
        assert (tmp_path / "current.xml").read_bytes() == b"<live/>"
        assert _boto_client(s3_server).list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []

    def test_cleanup_aborts_only_this_keys_multipart_uploads(self, s3_server: str) -> None:
        bucket = _new_bucket(s3_server)
        client = _boto_client(s3_server)
        for key in ("feeds/google.xml", "feeds/google.xml", "feeds/google.xml.previous", "feeds/other.xml"):
            upload = client.create_multipart_upload(Bucket=bucket, Key=key)
            client.upload_part(Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=1, Body=b"x")
        storage = S3Storage(bucket, "feeds/google.xml", endpoint_url=s3_server, region=REGION)

        assert storage.cleanup_leftovers() == 3

        remaining = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        assert [upload["Key"] for upload in remaining] == ["feeds/other.xml"]  # may be publishing now

    def test_versioned_bucket_returns_version_ids_and_keeps_history(
        self, s3_server: str, exports: Callable[[bytes], Path]
    ) -> None:
        bucket = _new_bucket(s3_server, versioned=True)
        storage = S3Storage(bucket, "feed.xml", endpoint_url=s3_server, region=REGION)

        first = storage.publish(exports(b"<first/>"))
        second = storage.publish(exports(b"<second/>"))

        assert first.version_id and second.version_id and first.version_id != second.version_id
        old = _boto_client(s3_server).get_object(Bucket=bucket, Key="feed.xml", VersionId=first.version_id)
        assert old["Body"].read() == b"<first/>"

    def test_unversioned_bucket_returns_no_version_id(
        self, s3_server: str, exports: Callable[[bytes], Path]
    ) -> None:
        storage = S3Storage(_new_bucket(s3_server), "feed.xml", endpoint_url=s3_server, region=REGION)
        assert storage.publish(exports(b"<x/>")).version_id is None

    def test_content_type_and_checksum_metadata(
        self, s3_server: str, exports: Callable[[bytes], Path]
    ) -> None:
        bucket = _new_bucket(s3_server)
        plain = S3Storage(bucket, "feed.xml", endpoint_url=s3_server, region=REGION)
        packed = S3Storage(bucket, "feed.xml.gz", endpoint_url=s3_server, region=REGION)
        result = plain.publish(exports(b"<x/>"))
        packed.publish(exports(b"<x/>"), gzip=True)

        client = _boto_client(s3_server)
        plain_head = client.head_object(Bucket=bucket, Key="feed.xml")
        packed_head = client.head_object(Bucket=bucket, Key="feed.xml.gz")
        copy_head = client.head_object(Bucket=bucket, Key="feed.xml.feedhub.gz")
        copy_sha256 = _sha256(client.get_object(Bucket=bucket, Key="feed.xml.feedhub.gz")["Body"].read())
        assert (plain_head["ContentType"], plain_head["Metadata"]) == (
            "application/xml",
            {"sha256": result.sha256, "gzip-copy-sha256": copy_sha256},  # the export names its gzip copy
        )
        # the copy is the export, compressed for the transfer: a client fetching it itself unpacks it
        assert (copy_head["ContentType"], copy_head["ContentEncoding"], copy_head["Metadata"]) == (
            "application/xml", "gzip", {"sha256": copy_sha256},
        )
        # gzip is the content: a Content-Encoding would make HTTP clients unpack the .gz on download
        assert (packed_head["ContentType"], packed_head.get("ContentEncoding")) == ("application/gzip", None)
        assert "feed.xml.gz.feedhub.gz" not in _keys(client, bucket)  # a gzip export gets no copy

    def test_without_boto3_the_error_says_what_to_install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "boto3", None)  # makes `import boto3` raise ImportError

        with pytest.raises(ExportError, match="S3 publishing is not configured: install boto3"):
            S3Storage("my-bucket", "feed.xml")


def _keys(client: Any, bucket: str) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def _client_error(code: str, status: int) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError(
        {"Error": {"Code": code, "Message": "from the test"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PutObject",
    )


def _upload_failed(cause: Exception) -> Exception:
    """What boto3's upload_file raises: S3UploadFailedError raised inside `except ClientError`."""
    from boto3.exceptions import S3UploadFailedError

    try:
        try:
            raise cause
        except Exception:
            raise S3UploadFailedError("Failed to upload")  # noqa: B904 - exactly as boto3 does
    except S3UploadFailedError as wrapped:
        return wrapped


def _botocore(name: str, **kwargs: str) -> Exception:
    import botocore.exceptions

    error: Exception = getattr(botocore.exceptions, name)(**kwargs)
    return error


class TestTranslateError:
    @pytest.mark.parametrize(
        ("make", "transient", "hint"),
        [
            (lambda: _client_error("SlowDown", 503), True, None),  # S3 throttling
            (lambda: _client_error("TooManyRequests", 429), True, None),  # MinIO/Ceph throttling
            (lambda: _client_error("InternalError", 500), True, None),
            (lambda: _client_error("BadGateway", 502), True, None),  # a proxy in front of MinIO
            (lambda: _botocore("EndpointConnectionError", endpoint_url="http://s3"), True, None),
            (lambda: _botocore("ReadTimeoutError", endpoint_url="http://s3"), True, None),
            (lambda: _upload_failed(_client_error("SlowDown", 503)), True, None),  # unwrapped
            (lambda: _client_error("AccessDenied", 403), False, "s3:PutObject"),
            (lambda: _client_error("NoSuchBucket", 404), False, "create the bucket"),
            (lambda: _upload_failed(_client_error("AccessDenied", 403)), False, "s3:PutObject"),
            (lambda: _botocore("NoCredentialsError"), False, "AWS_ACCESS_KEY_ID"),
        ],
    )
    def test_retryability_and_hint(
        self, make: Callable[[], Exception], transient: bool, hint: str | None
    ) -> None:
        error = translate_error(make(), action="publish", bucket="shop-feeds", key="google.xml")

        assert isinstance(error, FeedError)
        assert isinstance(error, TransientFeedError) is transient
        assert isinstance(error, ExportError) is not transient
        assert "s3://shop-feeds/google.xml" in str(error)
        assert (hint is None and error.hint is None) or (hint is not None and hint in (error.hint or ""))
