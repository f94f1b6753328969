"""The search cursor against a lagging index and timestamp ties (issue 13, items 8 and 9)."""

from __future__ import annotations

from plugins.fakes import HubSpotFake
from tests.adapters.hubspot.conftest import MakeAdapter, drain


def _contact(fake: HubSpotFake, n: int, **kw: object) -> str:
    return str(fake.create("contacts", {"email": f"p{n}@example.com"}, **kw)["id"])


def test_a_write_indexed_after_a_later_one_is_read_by_the_next_run(
    fake: HubSpotFake, make_adapter: MakeAdapter
) -> None:
    late = _contact(fake, 1, lag=2)  # searchable only after two more writes
    early = _contact(fake, 2)
    first, cursor = drain(make_adapter(), "contacts")
    assert [r["id"] for r in first] == [early]
    others = [_contact(fake, 3), _contact(fake, 4)]  # now `late` is indexed too
    second, cursor = drain(make_adapter(), "contacts", cursor)
    assert sorted(r["id"] for r in second) == sorted([late, *others])  # `early` not again
    third, _ = drain(make_adapter(), "contacts", cursor)
    assert third == []


def test_a_record_indexed_again_is_emitted_again_only_when_it_changed(
    fake: HubSpotFake, make_adapter: MakeAdapter
) -> None:
    kept = _contact(fake, 1)
    changed = _contact(fake, 2)
    _, cursor = drain(make_adapter(), "contacts")
    fake.update("contacts", changed, {"email": "new@example.com"})
    second, cursor = drain(make_adapter(), "contacts", cursor)
    assert [r["id"] for r in second] == [changed]
    assert second[0]["properties"]["email"] == "new@example.com"
    assert kept not in [r["id"] for r in second]


def test_the_lookback_memory_in_the_cursor_is_bounded_by_the_window(
    fake: HubSpotFake, make_adapter: MakeAdapter
) -> None:
    old = _contact(fake, 1)
    fake.now_ms += 3_600_000  # an hour later
    new = _contact(fake, 2)
    _, cursor = drain(make_adapter(search_lookback_seconds=60), "contacts")
    assert cursor is not None
    remembered = str(cursor)
    assert new in remembered
    assert old not in remembered


def test_ties_in_arbitrary_order_are_all_read_once(
    fake: HubSpotFake, make_adapter: MakeAdapter
) -> None:
    fake.search_index.tie_seed = 7
    tie = fake.now_ms + 10
    made = [_contact(fake, n, at=tie) for n in range(251)]
    records, _ = drain(make_adapter(page_size=100), "contacts")
    ids = [r["id"] for r in records]
    assert sorted(ids) == sorted(made)
    assert len(ids) == len(set(ids))


def test_an_edit_between_pages_of_a_tie_loses_no_record(
    fake: HubSpotFake, make_adapter: MakeAdapter
) -> None:
    fake.search_index.tie_seed = None  # a stable order: the loss comes from offset paging
    tie = fake.now_ms + 10
    made = [_contact(fake, n, at=tie) for n in range(250)]
    seen: list[str] = []
    for n, page in enumerate(make_adapter(page_size=100).read("contacts")):
        seen.extend(r["id"] for r in page.records)
        if n == 1:  # between pages: the first record read leaves the tie
            fake.update("contacts", seen[0], {"email": "edited@example.com"})
    assert set(made) <= set(seen)


def test_a_cursor_saved_before_the_lookback_still_resumes(
    fake: HubSpotFake, make_adapter: MakeAdapter
) -> None:
    first = _contact(fake, 1)
    second = _contact(fake, 2)
    ts = fake.objects["contacts"][second]["_ms"]
    old = {"phase": "search", "ts": ts, "ids": [second], "done": False}
    newer = _contact(fake, 3)
    records, cursor = drain(make_adapter(), "contacts", old)
    assert first in [r["id"] for r in records]  # inside the window: read again, once
    assert second not in [r["id"] for r in records]
    assert newer in [r["id"] for r in records]
    assert cursor is not None
    assert "ids" not in cursor
    assert "done" not in cursor
