"""The Qt desktop application: a training thread, a control panel and the views that draw.

Nothing here does maths of its own: the worker drives the core `Trainer` on its
thread and the window only draws the `Snapshot`s it receives.
"""
