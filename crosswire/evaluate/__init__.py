"""Score crosswire's stages against gold data; one module per stage, each with ``run(paths, console)``.

``crosswire eval STAGE PATH...`` imports ``crosswire.evaluate.STAGE`` and calls its ``run``, which
reads the gold files, runs the stage and prints its scores; the scoring itself is a pure function
in the same module so tests can call it on hand-made examples.
"""
