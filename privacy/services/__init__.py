"""Writes of the privacy app: erasure (requesters, engineers who left), retention, the files queue."""

from .erasure import (
    ErasureRefused,
    ErasureResult,
    NothingHeld,
    engineer_erase,
    files_delete_pending,
    requester_erase,
)
from .retention import RetentionPlan, retention_erase_batch, retention_plan

__all__ = [
    "ErasureRefused",
    "ErasureResult",
    "NothingHeld",
    "RetentionPlan",
    "engineer_erase",
    "files_delete_pending",
    "requester_erase",
    "retention_erase_batch",
    "retention_plan",
]
