from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    """Cursor pages stay stable while rows are inserted (no skipped or repeated rows),
    unlike page numbers; ordering is by the primary key, newest first."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class SeqCursorPagination(StableCursorPagination):
    """The audit log pages by its own sequence number."""

    ordering = "-seq"
