"""The bench robots' keys, shared by our side and the peers. No imports: a peer runs in an
environment holding only its own packages (bench/installs.py)."""


def robot_key(i: int) -> str:
    return f"key-{i:03d}-abcdefghijklmnop"
