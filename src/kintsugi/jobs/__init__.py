"""The scheduler: claims in the database, a registry of jobs and the loop that runs them.

Slices do not register themselves: the composition root (``kintsugi.worker``) builds a
``JobRegistry`` and asks each slice to add its jobs, so this package knows none of them.
"""
