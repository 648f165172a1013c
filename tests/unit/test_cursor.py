from datetime import UTC, datetime
from uuid import uuid4

import pytest

from comments.errors import InvalidInput
from comments.pagination import decode_cursor, encode_cursor


def test_cursor_round_trips():
    at, id_ = datetime(2026, 11, 27, 12, 0, 1, 123456, tzinfo=UTC), uuid4()
    pos = decode_cursor(encode_cursor(at, id_))
    assert (pos.created_at, pos.id) == (at, id_)


@pytest.mark.parametrize("junk", ["", "!!!", "bm90IGpzb24", "WzEsMl0"])
def test_junk_cursors_are_a_clear_4xx(junk):
    with pytest.raises(InvalidInput):
        decode_cursor(junk)
