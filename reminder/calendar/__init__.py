"""Pure dates: the working-day calendar (holidays, 调休 make-up days) and due rules.

Imports only the base modules (errors).
"""
