"""Identity: accounts, project roles, login sessions, API tokens and OpenID Connect sign-in.

The caller of a request is who its session cookie or bearer token says (:mod:`.caller`), never a field of the
body; in local mode (a loopback bind) it is the one implicit owner. What each role may do is one table,
:mod:`backend.api.access`.
"""
