"""Timed routines: plans, how ``knowledge/routines.yaml`` is read into them, and the session.

- :mod:`bot.core.routine.plan`: the data model (``Phase``, ``RoutinePlan``, ``RoutineBook``).
- :mod:`bot.core.routine.parsing`: ``routines.yaml`` into a book, every problem reported.
- :mod:`bot.core.routine.session`: the timer state machine (``RoutineSession``) and its events.
"""
