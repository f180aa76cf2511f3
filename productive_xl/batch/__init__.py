"""``productive-xl batch``: recalculate or refresh many workbooks, on one machine or a Dask cluster.

Each workbook is worked on in a child process forked from a warm worker (imports and the engine
paid once per worker), under a time limit and a memory ceiling; the child writes the workbook and
its report, and the worker records the outcome in the output folder, so a rerun resumes where the
last one stopped and a file is never worked on twice for the same content.
"""
