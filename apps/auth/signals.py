"""Signals the auth app sends; the dispatcher connects other apps to them."""

from blinker import Namespace

auth_signals = Namespace()

#: Sent with ``user_id=`` inside auth's app context, after the account row is deleted
#: but before that deletion is committed. A receiver that raises cancels the deletion.
account_deleting = auth_signals.signal("account-deleting")
