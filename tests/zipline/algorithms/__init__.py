"""Zipline algorithms written the zipline way, with ``rustybt`` in the imports.

Each mirrors a well-known zipline algorithm (zipline's examples, its test
algorithms, common public strategies), rewritten here; the tests run them
unchanged through ``run_algorithm`` and ``load_strategy_file`` on real data.
"""
