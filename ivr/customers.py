"""The customer record as a flow sees it, and the demo customers the sandbox and `ivr simulate` share.

Pure data and one mapping: the engine's directory (`cti.store.customers`) and the simulator both
turn a customer row into the same call variables, so a flow behaves alike on a phone and offline.
"""

from __future__ import annotations

from collections.abc import Mapping

DEMO = [
    {"phone": "5559001", "name": "Li Wei", "tier": "gold", "account": "100001", "balance": 1234.50, "language": "en"},
    {"phone": "5559002", "name": "Wang Fang", "tier": "silver", "account": "100002", "balance": 88.00, "language": "zh"},
    {"phone": "5559003", "name": "John Smith", "tier": "normal", "account": "100003", "balance": 42.75, "language": "en"},
]


def call_variables(record: Mapping[str, object]) -> dict[str, str]:
    """The call variables a customer record gives a flow (tier, name, account, balance, language)."""
    return {"tier": record["tier"], "customer_name": record["name"], "account": record["account"],
            "balance": f"{record['balance']:.2f}", "language": record["language"]}
