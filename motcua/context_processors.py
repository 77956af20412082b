from .access import membership_of
from .models import Role


def workplace(request):
    """The unit and role of the signed-in user, shown on every page and used by the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = membership_of(user)
    return {
        "membership": membership,
        "workplace": membership.unit if membership else None,
        "Role": Role,
        "role": membership.role if membership else (Role.ADMINISTRATOR if user.is_superuser else None),
    }
