"""Placeholder: the contract the dispatcher relies on (the todo issue fills it in)."""


def count_todos() -> int:
    """How many todos exist (needs todo's app context)."""
    return 0


def delete_user_todos(user_id: int) -> int:
    """Delete a user's todos without committing; returns how many (todo's context)."""
    return 0
