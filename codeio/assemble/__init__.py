"""The ``assemble`` stage's component: verified, revised tasks -> training samples, exports and reports."""
