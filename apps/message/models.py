"""Placeholder: the contract the dispatcher relies on (the message issue fills it in)."""


def count_messages() -> int:
    """How many messages exist (needs message's app context)."""
    return 0


def delete_user_messages(user_id: int) -> int:
    """Delete a user's messages without committing; returns how many (message's context)."""
    return 0
