"""Personal data in this app's tables and in the Django and third-party apps the project installs (they
cannot declare it themselves). See `tickets/personal_data.py` for the words."""

PERSONAL_DATA = {
    "auth.User": {
        "first_name": {"reach": "identity", "about": "an engineer's name; emptied when they left"},
        "last_name": {"reach": "identity", "about": "an engineer's name; emptied when they left"},
        "email": {"reach": "identity", "about": "an engineer's address; emptied when they left"},
    },
    "admin.LogEntry": {
        "object_repr": {
            "reach": "mentions",
            "about": "what the admin changed, as its str(): a requester's "
            "name and address, a ticket's subject",
        },
        "change_message": {"reach": "mentions", "about": "which fields the admin changed"},
    },
    "axes.AccessAttempt": {
        "username": {"reach": "identity", "about": "failed logins: deleted with the engineer's erasure"},
        "ip_address": {"reach": "identity", "about": "where a login came from"},
        "user_agent": {"reach": "identity", "about": "the browser"},
        "get_data": {"reach": "identity", "about": "the login's query"},
        "post_data": {"reach": "identity", "about": "the login's form (no password)"},
        "path_info": {"reach": "identity", "about": "the login path"},
        "http_accept": {"reach": "identity", "about": "a header"},
    },
    "axes.AccessFailureLog": {
        "username": {"reach": "identity", "about": "failed logins"},
        "ip_address": {"reach": "identity", "about": "where a login came from"},
        "user_agent": {"reach": "identity", "about": "the browser"},
        "path_info": {"reach": "identity", "about": "the login path"},
        "http_accept": {"reach": "identity", "about": "a header"},
    },
    "axes.AccessLog": {
        "username": {"reach": "identity", "about": "logins"},
        "ip_address": {"reach": "identity", "about": "where a login came from"},
        "user_agent": {"reach": "identity", "about": "the browser"},
        "path_info": {"reach": "identity", "about": "the login path"},
        "http_accept": {"reach": "identity", "about": "a header"},
        "session_hash": {"reach": "identity", "about": "a hash of the session key"},
    },
    "privacy.Erasure": {
        "reason": {"reach": "mentions", "about": "the manager's reason; refused when it names the person"},
    },
}

NOT_PERSONAL = {
    "admin.LogEntry": {"object_id": "a primary key"},
    "auth.Permission": {"name": "a permission", "codename": "a permission"},
    "auth.Group": {"name": "a group"},
    "auth.User": {"password": "a password hash", "username": "kept as the engineer's pseudonym (the ledger)"},
    "contenttypes.ContentType": {"app_label": "a name", "model": "a name"},
    "sessions.Session": {
        "session_key": "a random key",
        "session_data": "staff sessions (role, login id); an erased engineer's own are deleted",
    },
    "knox.AuthToken": {"digest": "a hash", "token_key": "a token's prefix"},
    "privacy.Erasure": {
        "pseudonym": "the pseudonym",
        "subject_digest": "a keyed hash (HMAC)",
        "counts": "numbers per kind of data",
    },
    "privacy.PendingFileDeletion": {"path": "a random storage name"},
}
