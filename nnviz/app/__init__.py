"""The Qt desktop application: a handle on the training process, a control panel and the
views that draw.

Nothing here does maths of its own: the worker drives the core `TrainingLoop` in a
process of its own and the window only draws the `Snapshot`s it receives.
"""
