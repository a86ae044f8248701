"""The Flask applications that the dispatcher mounts, one package each."""
