"""Bank cards and bank connectors: top-ups, withdrawals and payouts that settle later.

Kept free of imports on purpose: the services container imports the sandbox connector from
here, and the modules that use the services container must not be loaded by that import.
"""
