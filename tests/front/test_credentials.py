"""Keys and tokens: random, Azure-shaped, stored readable by the user only, never shown."""

import stat
import string

import pytest

from aml_deploy.front import FrontError, KeyStore, new_key


def test_keys_are_random_letters_and_digits_of_azure_length():
    keys = {new_key() for _ in range(200)}
    assert len(keys) == 200
    assert all(len(k) == 32 and set(k) <= set(string.ascii_letters + string.digits) for k in keys)


def test_the_store_creates_two_keys_once_in_a_file_only_the_user_reads(tmp_path):
    store = KeyStore(tmp_path / "keys" / "ep" / "credentials.json")
    first = store.ensure("key")
    assert first.primary_key and first.secondary_key and first.primary_key != first.secondary_key
    assert store.ensure("key").primary_key == first.primary_key
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert [p.name for p in store.path.parent.iterdir()] == ["credentials.json"]  # no temporary file left


def test_regenerating_one_key_keeps_the_other(tmp_path):
    store = KeyStore(tmp_path / "credentials.json")
    before = store.ensure("key")
    after = store.regenerate("primary")
    assert after.primary_key != before.primary_key and after.secondary_key == before.secondary_key
    assert store.regenerate("secondary", value="a-chosen-key-0123456789").secondary_key == "a-chosen-key-0123456789"
    assert store.load().primary_key == after.primary_key


@pytest.mark.parametrize(
    "key_type, value, message",
    [
        ("tertiary", None, "primary or secondary"),
        ("primary", "short", "at least 16"),
        ("primary", "semicolons;are;not;keys", "letters, digits"),
    ],
)
def test_bad_regenerate_requests_are_refused(tmp_path, key_type, value, message):
    with pytest.raises(FrontError, match=message):
        KeyStore(tmp_path / "credentials.json").regenerate(key_type, value)


def test_tokens_expire_and_expired_ones_are_dropped(tmp_path):
    store = KeyStore(tmp_path / "credentials.json")
    old = store.issue_token(lifetime_s=10, now=1000)
    new = store.issue_token(lifetime_s=3600, now=2000)
    assert old.expired(now=2000) and not new.expired(now=2000)
    assert [t.value for t in store.load().tokens] == [new.value]
    azure = new.as_azure()
    assert azure["accessToken"] == new.value and azure["expiryTimeUtc"] == 5600 and azure["tokenType"] == "Bearer"


def test_secrets_are_not_in_repr(tmp_path):
    store = KeyStore(tmp_path / "credentials.json")
    credentials = store.ensure("key")
    store.issue_token()
    credentials = store.load()
    shown = repr(credentials) + repr(credentials.tokens)
    assert credentials.primary_key not in shown and credentials.tokens[0].value not in shown


def test_an_unreadable_store_says_so(tmp_path):
    path = tmp_path / "credentials.json"
    path.write_text("{not json")
    with pytest.raises(FrontError, match="cannot be read"):
        KeyStore(path).load()


def test_delete_removes_the_file_and_its_folder(tmp_path):
    store = KeyStore(tmp_path / "ep" / "credentials.json")
    store.ensure("key")
    store.delete()
    assert not (tmp_path / "ep").exists()


def test_a_front_error_is_an_error_for_the_user():
    from aml_deploy.errors import AmlDeployError

    error = FrontError("x")
    assert isinstance(error, AmlDeployError) and error.code == "front"


@pytest.mark.parametrize(
    "content",
    [
        "garbage{",
        "[1, 2]",
        '"a string"',
        '{"primaryKey": 5, "secondaryKey": null}',
        '{"primaryKey": "abc def\\nxx primary", "secondaryKey": "zzzzzzzzzzzzzzzzzzzzzzzz"}',
        '{"primaryKey": "short", "secondaryKey": "zzzzzzzzzzzzzzzzzzzzzzzz"}',
        '{"tokens": [{"token": "a b\\nc", "expires": 99999999999}]}',
        '{"tokens": "x"}',
    ],
)
def test_a_damaged_store_is_named_and_no_value_from_it_is_used(tmp_path, content):
    store = KeyStore(tmp_path / "credentials.json")
    store.path.write_text(content)
    with pytest.raises(FrontError, match="cannot be read") as raised:
        store.load()
    assert str(store.path) in str(raised.value) and "abc def" not in str(raised.value)
    with pytest.raises(FrontError):
        store.regenerate("secondary")
    assert store.path.read_text() == content  # nothing written over it


def test_two_processes_regenerating_the_two_keys_lose_neither(tmp_path):
    import multiprocessing
    import time

    store = KeyStore(tmp_path / "credentials.json")
    before = store.ensure("key")
    context = multiprocessing.get_context("fork")
    for _ in range(20):
        start = time.time() + 0.3
        workers = [context.Process(target=_regenerate_at, args=(store.path, which, start)) for which in ("primary", "secondary")]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        after = store.load()
        assert after.primary_key != before.primary_key and after.secondary_key != before.secondary_key
        before = after


def _regenerate_at(path, which: str, start: float) -> None:
    import time

    store = KeyStore(path)
    while time.time() < start:
        pass
    store.regenerate(which)


def test_endpoints_sharing_a_keys_folder_can_be_deleted_while_others_change_keys(tmp_path):
    """Local endpoints keep their keys side by side in one folder, which the last delete removes: a
    process changing its keys meanwhile must neither fail nor lock a folder that is gone."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_create_change_delete, args=(tmp_path / "keys" / f"{name}.json",)) for name in ("a", "b", "c")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]


def _create_change_delete(path) -> None:
    for _ in range(300):
        store = KeyStore(path)
        first = store.ensure("key")
        assert store.regenerate("primary").primary_key != first.primary_key
        store.delete()


def test_a_file_where_the_keys_folder_goes_is_said(tmp_path):
    (tmp_path / "keys").write_text("not a folder")
    with pytest.raises(FrontError, match="is not a folder"):
        KeyStore(tmp_path / "keys" / "ep.json").ensure("key")
