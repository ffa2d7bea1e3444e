from kangfu.inbox.selectors import inbox_count


def inbox(request):
    """The number in the navigation bar: one query per kind the user may act on, whatever
    the size of the registry. Lazy, so a page that never shows the bar (an error page, a
    file) runs none."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached: list[int] = []

    def count() -> int:
        if not cached:
            cached.append(inbox_count(user=user))
        return cached[0]

    return {"inbox_count": count}
