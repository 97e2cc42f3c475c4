"""Engineers (the roster)."""

ENGINEER = {
    "username": "aiko",
    "name": "Aiko Tanaka",
    "email": "aiko@support.example",
    "timezone": "Asia/Tokyo",
    "shift_start": "09:00",
    "shift_end": "18:00",
    "workdays": [0, 1, 2, 3, 4],
    "phone": "+81312345678",
    "region": "apac",
    "lead": True,
    "on_call": False,
    "capacity": 10,
    "active": True,
    "on_shift": True,
    "shift_ends_at": "2025-06-11T18:00:00+09:00",
    "next_shift_starts_at": "2025-06-12T09:00:00+09:00",
}
# What a request to add an engineer leaves out of `ENGINEER`.
ENGINEER_READ_ONLY = ("active", "on_shift", "shift_ends_at", "next_shift_starts_at")
