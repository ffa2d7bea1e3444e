from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


def _integer_position(paginator: CursorPagination, cursor):
    """Both orderings here are integers: a cursor whose position is not one was forged or
    garbled, and answers 404 "invalid cursor" like any other bad cursor (not a 500)."""
    if cursor is not None and cursor.position is not None:
        try:
            int(cursor.position)
        except (TypeError, ValueError):
            raise NotFound(paginator.invalid_cursor_message) from None
    return cursor


class _IntegerCursor:
    def decode_cursor(self, request):
        return _integer_position(self, super().decode_cursor(request))


class StableCursorPagination(_IntegerCursor, CursorPagination):
    """Cursor pages stay stable while rows are inserted (no skipped or repeated rows),
    unlike page numbers; ordering is by the primary key, newest first."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class SeqCursorPagination(StableCursorPagination):
    """The audit log pages by its own sequence number."""

    ordering = "-seq"
