"""The crash harness's control: `watcher` with the outbox's order broken on purpose.

    python bench/crash_wrong_order.py -c CONFIG run

Each row is marked sent as it is claimed, before it is sent, so that a kill between the two
loses the alert. bench/crash_harness.py must report losses with this; the product has no switch
for it.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from watcher.cli import main
from watcher.store import OutboxRow, Store

_claim_next = Store.claim_next


def _claim_marked_sent(
    self: Store, target: str, url_index: int, lease: timedelta
) -> OutboxRow | None:
    row = _claim_next(self, target, url_index, lease)
    if row is not None:
        self.mark_sent(row.id)
    return row


Store.claim_next = _claim_marked_sent  # type: ignore[method-assign]

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
