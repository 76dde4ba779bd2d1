"""The application services the lane's screens and the command line drive, split by flow.

``lane/`` is the cashier's lane (one flow per module, composed around one ``LaneContext``),
``back_office`` the operator's, ``backup`` the one way a copy of the store is made, ``opening``
how a lane and its devices are opened from the config, ``events`` what the lane tells its
subscribers after each commit. The command line's own needs are ``store_admin`` (the store
itself), ``staff``, ``catalog_admin``, ``reports``, ``simulators`` and ``demo_store``.
"""
