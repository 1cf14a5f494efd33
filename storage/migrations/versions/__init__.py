"""One module per revision, oldest first: NNNN_what.py with revision id "NNNN"."""
