"""The survey science: instruments, Rasch scoring, aggregation, suppression, recommendations.

Nothing in this package imports Flask; it works on plain data and numpy arrays so a
district's research office can read and check it on its own.
"""
