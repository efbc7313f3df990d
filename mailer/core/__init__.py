"""The pure core: typed values (`models`, `keys`), the planner that decides what a message
means (`planning`), batching, canonical paper identity, quiet hours, errors and exit codes,
and the seams the shell injects (`clock`, `timings`).

No I/O here and no shell library (the import contract in pyproject.toml holds it).
"""
