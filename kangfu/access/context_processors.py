from kangfu.access.scoping import grants_of


def jurisdiction(request):
    """The signed-in user's grants, for the header (who am I acting as, where)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    grants = grants_of(user)
    # Role codes as keys, for menu entries: {% if my_roles.supervisor %}.
    return {"my_grants": grants, "my_roles": {g.role: True for g in grants}}
