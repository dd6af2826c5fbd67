"""Process mining in Keel: the ``keel mine`` command now; screens, reference models and
improvement tracking later. The analyses themselves live in the pure engine,
:mod:`keel.analytics.process_mining`."""
