"""The config: one model, its loader and per-section readers, the checker with located
`PATH:LINE: FIELD` messages, and the cache of validated files.

May import calendar/ and the base modules.
"""
