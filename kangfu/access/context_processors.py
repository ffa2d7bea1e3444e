from kangfu.access.permissions import PERMISSIONS, grants_of, may


def jurisdiction(request):
    """The signed-in user's grants, for the header (who am I acting as, where)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    grants = grants_of(user)
    # The actions the user holds somewhere, for menu entries: {% if can.audit_view %}
    # ("audit.view" with "_" for the dot, which a template cannot look up). Worked out once
    # per request, beside the grants it comes from (grants_of keeps them on the user for the
    # request): a page whose sections render their own templates asks again for each.
    can = getattr(user, "_kangfu_can", None)
    if can is None:
        can = {action.replace(".", "_"): True for action in PERMISSIONS if may(user, action)}
        user._kangfu_can = can
    return {"my_grants": grants, "can": can}
