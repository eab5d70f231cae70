"""The benches (make bench, make bench-smoke). A regular package, so `bench.x` is one module however
a bench is started: `python bench/x.py` puts the repository on the path (after any tree PYTHONPATH
names first: see bench/sizes.py), and a tree without this file never shadows it."""
