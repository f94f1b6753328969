"""Sample vendor objects for ``canonry webhooks send-test``.

``stripe_customer.json`` and ``stripe_invoice.json`` are Stripe's own published example
objects (``stripe/openapi`` fixtures, MIT licence), unchanged.
"""
