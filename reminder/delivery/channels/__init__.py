"""One module per delivery channel; each builds its payload and talks to its server.

Adding a channel is one new module with a `Transport` and a line in `TRANSPORTS`.
"""
