"""Model settings the tests share: small networks and few epochs, on the CPU.

``TINY`` for what any fitted model shows (shapes, dtypes, layouts, errors);
``SMALL`` for scikit-learn's checks, round trips and the roles' behaviour.
Tests whose figures need a trained model set their own.
"""

TINY = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0, device="cpu")
SMALL = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, device="cpu")
