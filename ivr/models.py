"""IVR flow schema: what an operator may write in config/ivr/*.yaml.

A flow is a named graph of nodes. Each node has a `type`; fields such as `next`, `choices`,
`fallback`, `found`... name other nodes. Prompts are names of recordings in
sounds/<language>/<name>.wav. Values written as templates (`"{balance}"`, `"A-{account}"`) are
filled from the call's variables: `{name}` only, no expressions. Cross-references (unknown
node names, unreachable nodes, loops) are checked in `ivr.loader`.

Every node kind lists its exits through `exits()` as (field path, target, label), so the
loader, the graph drawer and the reachability checks share one description of the graph;
`no_input_exits()` are the exits a call may take without waiting for the caller (the loader
refuses loops of them), `silent_exits()` the ones a caller who never presses a key takes.

The node kinds live in `ivr.nodes_caller` (talking with the caller), `ivr.nodes_routing`
(deciding where the call goes) and `ivr.nodes_survey` (survey questions), on the shared base of
`ivr.node_base`; this module assembles them into the `Node` union and the `Flow`, and re-exports
them for the rest of the package.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from ivr.node_base import DIGITS, LANGUAGES, TEMPLATE_FIELD, WEEKDAYS, NodeName  # noqa: F401 (re-exported)
from ivr.nodes_caller import CollectNode, LanguageNode, MenuNode, PlayNode, SayNode, SetNode
from ivr.nodes_routing import (BranchNode, CallbackNode, GotoNode, HangupNode, HoursNode, LookupNode, QueueNode,
                               TransferNode, VoicemailNode)
from ivr.nodes_survey import RateNode

Node = Annotated[Union[PlayNode, MenuNode, CollectNode, SayNode, SetNode, LanguageNode, HoursNode, LookupNode,
                       QueueNode, TransferNode, CallbackNode, VoicemailNode, GotoNode, BranchNode, HangupNode,
                       RateNode],
                 Field(discriminator="type")]


class Flow(BaseModel):
    """One call flow: a language, an entry node, and nodes by name."""

    model_config = ConfigDict(extra="forbid")
    name: NodeName
    description: str = ""
    language: Literal["en", "zh"] = "en"
    entry: NodeName
    nodes: dict[NodeName, Node] = Field(min_length=1)

    def targets(self, name: str) -> list[str]:
        return [target for _, target, _ in self.nodes[name].exits()]

    def prompts(self) -> set[str]:
        return {prompt for node in self.nodes.values() for _, prompt in node.prompt_refs()}
