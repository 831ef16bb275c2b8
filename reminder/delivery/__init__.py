"""Delivery: the dispatcher (claim, log, send, record), retry policy, rendering, rate limits,
in-flight sends and `channels/` (one module per channel).

May import store/, planning/, config/, calendar/ and the base modules; never app/ or cli/.
"""
