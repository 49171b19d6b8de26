"""What every slice's routers and pages share: the request's database and principal (deps),
sign-in and CSRF checks (auth), the Jinja2 templates, error wording and request limits."""
