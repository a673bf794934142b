"""GovWatch: a monitor of Chinese government websites and new-media accounts.

``govwatch.plugin`` is the public API for check plugins; ``govwatch.testing`` builds runs in
memory for their tests.
"""
