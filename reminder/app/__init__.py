"""Use cases: sync the file into the database, plan into the outbox, complete and reopen,
the runtime that holds one loaded config, and the service loop (the only APScheduler user).

May import delivery/, store/, planning/, config/, calendar/ and the base modules; never cli/.
"""
