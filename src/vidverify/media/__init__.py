"""The only package that touches files, subprocesses and decoders."""
